import numpy as np
import pandas as pd
import pytest

from competition.core.errors import DataError
from competition.data.xlsx import column_letter, read_openpose_xlsx, write_xlsx


def test_written_sheet_reads_back_the_same_with_openpyxl_and_our_reader(tmp_path):
    matrix = np.random.default_rng(0).uniform(0, 1280, (30, 411)).round(3)
    matrix[:, 5] = 0  # missed keypoints are zeros
    write_xlsx(tmp_path / "a.xlsx", matrix)
    ours = read_openpose_xlsx(tmp_path / "a.xlsx")
    assert ours.dtype == np.float32 and ours.shape == (30, 411)
    np.testing.assert_allclose(ours, matrix, atol=1e-3)
    theirs = pd.read_excel(tmp_path / "a.xlsx", header=None, engine="openpyxl").to_numpy()
    np.testing.assert_allclose(theirs, matrix, atol=1e-9)  # no header row: frame 0 is row 1


def test_column_letters():
    assert [column_letter(i) for i in (0, 25, 26, 410)] == ["A", "Z", "AA", "OU"]


def test_wrong_column_count_is_named(tmp_path):
    write_xlsx(tmp_path / "a.xlsx", np.zeros((3, 410)))
    with pytest.raises(DataError, match=r"a\.xlsx: expected 411 columns .* found 410"):
        read_openpose_xlsx(tmp_path / "a.xlsx")


def test_non_numeric_cell_is_named_with_row_and_column(tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    for row in np.zeros((4, 411)).tolist():
        book.active.append(row)
    book.active.cell(row=3, column=2, value="n/a")
    book.save(tmp_path / "a.xlsx")
    with pytest.raises(DataError, match=r"a\.xlsx, row 3: column B holds 'n/a'; expected a number"):
        read_openpose_xlsx(tmp_path / "a.xlsx")


def test_unreadable_file_is_named(tmp_path):
    (tmp_path / "a.xlsx").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"a\.xlsx: cannot read the spreadsheet"):
        read_openpose_xlsx(tmp_path / "a.xlsx")
