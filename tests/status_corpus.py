"""A small corpus whose legal status is known: decrees and a circular that replace, repeal and
amend each other, and reports that cite them before and after, with known dates.

What the graph holds (the extractor reads every relation and date below; tests/test_check.py
checks the extraction first, so a change in the extractor shows there, not as a wrong status):

* 45/2020/NĐ-CP (2020-04-08) replaces 61/2018/NĐ-CP; 107/2021/NĐ-CP (2021-12-06) amends 45/2020/NĐ-CP;
* 02/2021/TT-BNV (2021-03-01) repeals 05/2017/TT-BNV;
* bc-2023 (a report, 2023-02-10) says 10/2022/NĐ-CP, whose date no text gives, replaces 140/2016/NĐ-CP;
* bc-2022 says 01/2018/TT-VPCP guides 61/2018/NĐ-CP (and so cites it, replaced by then);
* bc-2021 gives 45/2020/NĐ-CP the date 2020-04-09 (the decree itself and two others say 2020-04-08);
  bc-2023 calls 59/SKHCN-VP a Quyết định, bc-2021 and bc-2022 a Kế hoạch.
"""
from __future__ import annotations

from pathlib import Path

TEXTS = {
    "nd-45-2020.txt": """\
CHÍNH PHỦ
Số: 45/2020/NĐ-CP

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Nội, ngày 08 tháng 4 năm 2020

NGHỊ ĐỊNH
Về thực hiện thủ tục hành chính trên môi trường điện tử

Căn cứ Luật Tổ chức Chính phủ số 76/2015/QH13 ngày 19 tháng 6 năm 2015;
Nghị định số 45/2020/NĐ-CP thay thế Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ.
""",
    "tt-02-2021.txt": """\
BỘ NỘI VỤ
Số: 02/2021/TT-BNV

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Nội, ngày 01 tháng 3 năm 2021

THÔNG TƯ
Quy định mã số, tiêu chuẩn chuyên môn của công chức chuyên ngành hành chính

Căn cứ Nghị định số 34/2017/NĐ-CP ngày 03 tháng 4 năm 2017 của Chính phủ;
Thông tư số 02/2021/TT-BNV bãi bỏ Thông tư số 05/2017/TT-BNV ngày 10/5/2017 của Bộ Nội vụ.
""",
    "nd-107-2021.txt": """\
CHÍNH PHỦ
Số: 107/2021/NĐ-CP

CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM
Độc lập - Tự do - Hạnh phúc

Hà Nội, ngày 06 tháng 12 năm 2021

NGHỊ ĐỊNH
Sửa đổi, bổ sung một số điều của Nghị định về thủ tục hành chính trên môi trường điện tử

Căn cứ Luật Tổ chức Chính phủ số 76/2015/QH13 ngày 19 tháng 6 năm 2015;
Nghị định số 107/2021/NĐ-CP sửa đổi, bổ sung một số điều của Nghị định số 45/2020/NĐ-CP ngày 08/4/2020 của Chính phủ.
""",
    "bc-2019.txt": """\
UBND TỈNH NGHỆ AN
SỞ NỘI VỤ
Số: 101/BC-SNV

Nghệ An, ngày 10 tháng 12 năm 2019

BÁO CÁO
Kết quả cải cách hành chính năm 2019

Thực hiện Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, Sở đã triển khai đầy đủ.
Sở áp dụng Thông tư số 05/2017/TT-BNV ngày 10/5/2017 của Bộ Nội vụ.
""",
    "bc-2021.txt": """\
UBND TỈNH NGHỆ AN
SỞ NỘI VỤ
Số: 55/BC-SNV

Nghệ An, ngày 15 tháng 6 năm 2021

BÁO CÁO
Kết quả cải cách hành chính 6 tháng đầu năm 2021

Thực hiện Nghị định số 61/2018/NĐ-CP ngày 23/4/2018 của Chính phủ về thực hiện cơ chế một cửa, Sở đã triển khai đầy đủ.
Sở áp dụng Thông tư số 05/2017/TT-BNV ngày 10/5/2017 của Bộ Nội vụ.
Sở áp dụng Nghị định số 45/2020/NĐ-CP ngày 09/4/2020 của Chính phủ.
Thực hiện Kế hoạch số 59/SKHCN-VP ngày 31/01/2021 của Sở Khoa học và Công nghệ.
""",
    "bc-2022.txt": """\
UBND TỈNH NGHỆ AN
SỞ NỘI VỤ
Số: 12/BC-SNV

Nghệ An, ngày 01 tháng 3 năm 2022

BÁO CÁO
Kết quả cải cách hành chính năm 2021

Sở áp dụng Nghị định số 45/2020/NĐ-CP ngày 08/4/2020 của Chính phủ.
Sở thực hiện Nghị định số 140/2016/NĐ-CP ngày 10/10/2016 của Chính phủ.
Thực hiện Kế hoạch số 59/SKHCN-VP ngày 31/01/2021 của Sở Khoa học và Công nghệ.
Thông tư số 01/2018/TT-VPCP ngày 23/11/2018 hướng dẫn thi hành Nghị định số 61/2018/NĐ-CP ngày 23/4/2018.
""",
    "bc-2023.txt": """\
UBND TỈNH NGHỆ AN
SỞ NỘI VỤ
Số: 20/BC-SNV

Nghệ An, ngày 10 tháng 2 năm 2023

BÁO CÁO
Kết quả cải cách hành chính năm 2022

Nghị định số 10/2022/NĐ-CP thay thế Nghị định số 140/2016/NĐ-CP của Chính phủ.
Thực hiện Quyết định số 59/SKHCN-VP ngày 31/01/2021 của Sở Khoa học và Công nghệ.
""",
}


def write(directory: Path) -> list[Path]:
    """Write the corpus into ``directory``; returns the files."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, text in TEXTS.items():
        (directory / name).write_text(text, encoding="utf-8")
        paths.append(directory / name)
    return paths
