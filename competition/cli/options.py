"""Options that several commands share, defined once."""
from competition.core.constants import TRACKS


def add_track(parser):
    parser.add_argument("--track", type=int, choices=TRACKS, required=True)


def add_format_source(parser, required=False):
    """--data / --ids / --sample: where a submission's columns and exact id set come from."""
    source = parser.add_mutually_exclusive_group(required=required)
    source.add_argument("--data", metavar="PREPARED",
                        help="prepared dataset: its sample_submission_track<T>.csv (columns, id form, row order), "
                             "else its test clips (Track 1) / videos (Track 3)")
    source.add_argument("--ids", metavar="LIST", help="test ids: iMiGUE_test_clips_list.txt (`<id>.mp4 <label>`), "
                                                       "one id per line, or a JSON list")
    source.add_argument("--sample", metavar="CSV", help="the competition's sample_submission.csv")


def add_verbose(parser):
    parser.add_argument("--verbose", action="store_true",
                        help="show mmengine's INFO lines (config, environment, every logged iteration) on the "
                             "console too; they always go to the run's log file")
