import csv
import io

import zxingcpp
from openpyxl import load_workbook
from PIL import Image

from csi_events.exports import csv_lines, neutralize, xlsx_file
from csi_events.links import LinkInvalid, make_token, read_token
from csi_events.registrations.qr import qr_png, ticket_url


def test_neutralize_formula_starts():
    for bad in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx"):
        assert neutralize(bad) == "'" + bad
    assert neutralize("Ana") == "Ana" and neutralize(-3) == -3


def test_csv_and_xlsx_exports_neutralize_cells(tmp_path):
    rows = [['=HYPERLINK("x")', 2], ["plain", None]]
    text = "".join(csv_lines(["a", "b"], rows)).lstrip("\ufeff")
    parsed = list(csv.reader(io.StringIO(text)))
    assert parsed == [["a", "b"], ['\'=HYPERLINK("x")', "2"], ["plain", ""]]
    path = xlsx_file(["a", "b"], rows)
    sheet = load_workbook(path).active
    # XLSX: a text cell (never a formula) showing exactly what was typed.
    assert sheet["A2"].value == '=HYPERLINK("x")' and sheet["A2"].data_type == "s" and sheet["B2"].value == 2


def test_signed_links_have_a_purpose(app):
    token = make_token("manage", {"person_id": 7})
    assert read_token("manage", token) == {"person_id": 7}
    try:
        read_token("here", token)
    except LinkInvalid as err:
        assert not err.expired
    else:
        raise AssertionError("a manage link opened a self check-in")


def test_ticket_qr_decodes_to_ticket_url(app):
    url = ticket_url("abc123")
    assert url == "http://testserver/t/abc123"
    image = Image.open(io.BytesIO(qr_png(url)))
    decoded = zxingcpp.read_barcodes(image)
    assert [d.text for d in decoded] == [url]
