"""The error-analysis report: sections (numbers, figures, tables) and the page or notebook cells they fill."""
from competition.report.page import describe_inputs, show, write_report
from competition.report.sections import Section, track1_sections, track3_sections, track_sections

__all__ = ["Section", "describe_inputs", "show", "track1_sections", "track3_sections", "track_sections",
           "write_report"]
