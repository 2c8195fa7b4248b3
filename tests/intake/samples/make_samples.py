"""Writes the sample exports beside this file (run it to rebuild them; the tests read the files):
a 12345 work-order export, a grid-patrol list and a 解纷 platform export, the way the channels'
systems export them: a title row above the column names, phones as people type them
("+86 138 0013 8000", landlines "021-5912 3456", a number cell), a 15-digit ID card number.
Every value is made up.

    .venv/bin/python tests/intake/samples/make_samples.py
"""
from datetime import datetime
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent
SAVED = datetime(2026, 11, 30, 9, 0)  # fixed document times: the files come out the same each run

HOTLINE = {
    "title": "上海市12345市民服务热线工单导出（徐行镇，2026年11月）",
    "headers": ["工单编号", "来电时间", "诉求类型", "诉求内容", "来电人", "来电号码", "事发地址", "所属村居",
                "办结时限", "承办单位", "工单状态"],
    "rows": [
        ["SH12345-20261120-0001", "2026-11-20 09:12", "投诉", "在村里工地干了三个月，包工头欠薪一万二千元至今未付",
         "王建国", "+86 138 0013 8000", "徐行镇小庙村工业园路18号", "小庙村", "2026-11-27", "徐行镇", "待办"],
        ["SH12345-20261120-0002", "2026-11-20 10:30", "求助", "楼上住户装修噪音严重，晚上十点以后仍在施工",
         "李秀英", "021-5912 3456", "徐行镇钱桥村5组12号", "钱桥村", "", "徐行镇", "待办"],
        ["SH12345-20261121-0003", datetime(2026, 11, 21, 14, 5), "咨询", "咨询离婚后子女抚养费如何计算",
         "张伟", "13900139000", "徐行镇小庙村3组", "小庙村", "", "徐行镇", "待办"],
        ["SH12345-20261121-0004", "2026/11/21 16:40", "建议", "村口路灯损坏多日，建议尽快修复",
         "陈静", "139-0013-9001", "徐行镇钱桥村村口", "钱桥村", "", "徐行镇", "待办"],
        ["SH12345-20261122-0005", "2026-11-22 08:55", "投诉举报", "物业公司乱收停车费，业主多次反映无果",
         "刘洋", 13800138001, "徐行镇小庙村馨苑小区", "小庙", "2026-11-29", "徐行镇", "待办"],
        ["SH12345-20261122-0006", "2026-11-22 11:20", "求助", "邻居借款两万元到期不还，多次催要未果",
         "赵磊", "+86 13900139002", "徐行镇钱桥村8组", "钱桥村委会", "", "徐行镇", "待办"],
    ],
}

GRID = {
    "title": "徐行镇网格化综合管理平台 事件清单",
    "headers": ["网格事件编号", "上报时间", "事件类型", "事件描述", "当事人", "联系电话", "事发地点", "所属网格",
                "网格员"],
    "rows": [
        ["WG-20261119-001", "2026/11/19 16:20", "矛盾纠纷", "两户村民因宅基地界址争执，砌墙受阻", "陈大",
         "137 0000 1111", "钱桥村3组", "钱桥村第二网格", "周网格员"],
        ["WG-20261119-002", "2026-11-19 18:02", "邻里纠纷", "楼上漏水导致楼下天花板受损", "林二",
         "021-59123456", "小庙村12号", "小庙村第一网格", "吴网格员"],
        ["WG-20261120-003", "2026年11月20日 7:45", "矛盾纠纷", "两车追尾后双方就修车费争执", "黄三",
         "+8613800138003", "徐行镇宝钱公路", "", "吴网格员"],
        ["WG-20261120-004", "2026-11-20 09:30", "", "村民反映集体收益分配不公", "郑四", "138****8000",
         "小庙村村委会", "小庙村第一网格", "吴网格员"],
    ],
}

PLATFORM = {
    "title": "“解纷”一件事平台 申请导出",
    "headers": ["申请编号", "申请时间", "纠纷类型", "纠纷简要情况", "申请人", "申请人电话", "申请人身份证号",
                "被申请人", "被申请人电话", "所在村居", "事发地址"],
    "rows": [
        ["JF2026112000001", "2026-11-20 08:30", "劳动争议", "在装修公司做工，公司拖欠工资两个月", "孙七",
         "+86 138 0013 8004", "310114780315123", "上海某装修工程有限公司", "021-5912 3457", "小庙村",
         "徐行镇小庙村"],
        ["JF2026112000002", "2026-11-20 13:15", "婚姻家庭纠纷", "兄弟之间对赡养老人费用分担有争议", "周八",
         "13800138005", "310114198001010028", "周九", "138 0013 8006", "钱桥村", "徐行镇钱桥村2组"],
        ["JF2026112100003", "2026-11-21 10:00", "", "承包地流转租金一年未付", "吴十", "13900139003", "",
         "郑一", "", "钱桥村村委会", "徐行镇钱桥村6组"],
    ],
}


def write_xlsx(path: Path, spec: dict) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Sheet1"
    ws.append([spec["title"]])
    ws.append(spec["headers"])
    for row in spec["rows"]:
        ws.append(row)
    for column, header in enumerate(spec["headers"], start=1):
        if "身份证" in header:  # as text: a number cell would lose an 18-digit number's last digits
            for (cell,) in ws.iter_rows(min_row=3, min_col=column, max_col=column):
                cell.number_format = "@"
    wb.properties.created = wb.properties.modified = SAVED
    wb.save(path)


def write_csv(path: Path, spec: dict, encoding: str = "gb18030") -> None:
    def cell(v):
        v = "" if v is None else str(v)
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v
    lines = [",".join(cell(v) for v in row) for row in [[spec["title"]], spec["headers"], *spec["rows"]]]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))


if __name__ == "__main__":
    write_xlsx(HERE / "hotline_12345.xlsx", HOTLINE)
    write_csv(HERE / "grid_patrol.csv", GRID)  # grid systems often export CSV in GBK
    write_xlsx(HERE / "dispute_platform.xlsx", PLATFORM)
