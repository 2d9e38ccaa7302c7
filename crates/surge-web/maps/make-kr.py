#!/usr/bin/env python3
"""Makes Surge's Korean district data from public boundary files; run by hand when the boundaries change.

    python3 make-kr.py sgg.geojson kostat-2018-topo.json

sgg.geojson: vuski/admdongkor ver20220309/ver20220309_sgg_vote_simple.geojson, the 250 si-gun-gu of 2022 with
their MOIS codes (KOSTAT SGIS census boundaries, corrected; free to use with the source named).
kostat-2018-topo.json: southkorea/southkorea-maps kostat/2018/json/skorea-municipalities-2018-topo-simple.json
(KOSTAT SGIS, KOGL Type 1), read only for the districts' English names.

Writes ../../surge-domain/src/zones/kr-districts.tsv (code, Korean name, English name) and kr-districts.tsv here
(code, box, SVG path in a plane where one unit is about 0.001 degree of latitude, north up).
"""
import json
import math
import os
import re
import sys

# MOIS province prefix -> ISO 3166-2:KR (the two differ for Sejong and Jeju).
ISO = {"36": "50", "50": "49"}
# KOSTAT 2018 province prefix -> MOIS, to find each district's English name.
KOSTAT = {"11": "11", "21": "26", "22": "27", "23": "28", "24": "29", "25": "30", "26": "31", "29": "36", "31": "41",
          "32": "42", "33": "43", "34": "44", "35": "45", "36": "46", "37": "47", "38": "48", "39": "50"}
# English names the 2018 file runs together or lacks; a city's district is written city first, as in Korean.
ENGLISH = {
    "수원시장안구": "Suwon-si Jangan-gu", "수원시권선구": "Suwon-si Gwonseon-gu", "수원시팔달구": "Suwon-si Paldal-gu",
    "수원시영통구": "Suwon-si Yeongtong-gu", "성남시수정구": "Seongnam-si Sujeong-gu",
    "성남시중원구": "Seongnam-si Jungwon-gu", "성남시분당구": "Seongnam-si Bundang-gu",
    "안양시만안구": "Anyang-si Manan-gu", "안양시동안구": "Anyang-si Dongan-gu", "안산시상록구": "Ansan-si Sangnok-gu",
    "안산시단원구": "Ansan-si Danwon-gu", "고양시덕양구": "Goyang-si Deogyang-gu",
    "고양시일산동구": "Goyang-si Ilsandong-gu", "고양시일산서구": "Goyang-si Ilsanseo-gu",
    "용인시처인구": "Yongin-si Cheoin-gu", "용인시기흥구": "Yongin-si Giheung-gu", "용인시수지구": "Yongin-si Suji-gu",
    "화성시": "Hwaseong-si", "광주시": "Gwangju-si", "양주시": "Yangju-si", "포천시": "Pocheon-si",
    "청주시상당구": "Cheongju-si Sangdang-gu", "청주시서원구": "Cheongju-si Seowon-gu",
    "청주시흥덕구": "Cheongju-si Heungdeok-gu", "청주시청원구": "Cheongju-si Cheongwon-gu", "증평군": "Jeungpyeong-gun",
    "천안시동남구": "Cheonan-si Dongnam-gu", "천안시서북구": "Cheonan-si Seobuk-gu", "계룡시": "Gyeryong-si",
    "당진시": "Dangjin-si", "전주시완산구": "Jeonju-si Wansan-gu", "전주시덕진구": "Jeonju-si Deokjin-gu",
    "포항시남구": "Pohang-si Nam-gu", "포항시북구": "Pohang-si Buk-gu", "창원시의창구": "Changwon-si Uichang-gu",
    "창원시성산구": "Changwon-si Seongsan-gu", "창원시마산합포구": "Changwon-si Masanhappo-gu",
    "창원시마산회원구": "Changwon-si Masanhoewon-gu", "창원시진해구": "Changwon-si Jinhae-gu",
    "미추홀구": "Michuhol-gu",
}
KX = math.cos(math.radians(36.5)) * 1000.0
TOLERANCE = 0.6  # units: about 60 m, under a pixel on a region's map
MIN_AREA = 2.0   # square units: smaller islands are left out, but never a district's largest part


def plane(lon, lat):
    return ((lon - 124.5) * KX, (38.7 - lat) * 1000.0)


def simplify(points, tolerance):
    """Douglas-Peucker on a closed ring (first point repeated last)."""
    if len(points) < 4:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        a, b = stack.pop()
        (ax, ay), (bx, by) = points[a], points[b]
        dx, dy = bx - ax, by - ay
        length = math.hypot(dx, dy)
        worst, at = 0.0, None
        for i in range(a + 1, b):
            px, py = points[i]
            d = abs(dy * (px - ax) - dx * (py - ay)) / length if length else math.hypot(px - ax, py - ay)
            if d > worst:
                worst, at = d, i
        if at is not None and worst > tolerance:
            keep[at] = True
            stack += [(a, at), (at, b)]
    return [p for p, k in zip(points, keep) if k]


def area(ring):
    return abs(sum(x0 * y1 - x1 * y0 for (x0, y0), (x1, y1) in zip(ring, ring[1:]))) / 2.0


def rings_of(geometry):
    polygons = [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
    for polygon in polygons:
        for ring in polygon:
            yield [plane(lon, lat) for lon, lat in ring]


def path(geometry):
    rings = []
    for ring in rings_of(geometry):
        points = []
        for x, y in simplify(ring, TOLERANCE):
            p = (round(x), round(y))
            if not points or points[-1] != p:
                points.append(p)
        if len(points) >= 4:
            rings.append(points)
    largest = max(rings, key=area)
    rings = [r for r in rings if r is largest or area(r) >= MIN_AREA]
    parts = []
    for ring in rings:
        (x, y), steps = ring[0], []
        for (x0, y0), (x1, y1) in zip(ring, ring[1:-1]):
            steps.append(f"{x1 - x0} {y1 - y0}")
        parts.append(f"M{x} {y}l" + " ".join(steps) + "z")
    xs = [x for r in rings for x, _ in r]
    ys = [y for r in rings for _, y in r]
    return f"{min(xs)} {min(ys)} {max(xs)} {max(ys)}", "".join(parts)


def main(sgg_file, kostat_file):
    here = os.path.dirname(os.path.abspath(__file__))
    sgg = json.load(open(sgg_file, encoding="utf-8"))["features"]
    topo = json.load(open(kostat_file, encoding="utf-8"))
    english = {}
    for g in topo["objects"]["skorea_municipalities_2018_geo"]["geometries"]:
        p = g["properties"]
        english[(KOSTAT[p["code"][:2]], p["name"].replace(" ", ""))] = p["name_eng"]
    names, shapes = [], []
    for feature in sorted(sgg, key=lambda f: f["properties"]["sgg"]):
        p = feature["properties"]
        mois, korean = p["sgg"], p["SGGNM"].replace(" ", "")
        if mois == "36110":
            continue  # Sejong has no districts: the city is the region
        code = f"KR-{ISO.get(mois[:2], mois[:2])}-{mois[2:]}"
        name_en = ENGLISH.get(korean) or english[(mois[:2], korean)]
        if not re.fullmatch(r"[A-Z][a-z]+(-[a-z]+)?( [A-Z][a-z]+-gu)?", name_en):
            sys.exit(f"{korean}: English name {name_en!r} needs writing out")
        name_ko = re.sub(r"^(.+시)(.+구)$", r"\1 \2", korean)
        names.append(f"{code}\t{name_ko}\t{name_en}")
        box, d = path(feature["geometry"])
        shapes.append(f"{code}\t{box}\t{d}")
    head = "# Made by make-kr.py; see README.md there for the sources and their licences.\n"
    with open(os.path.join(here, "../../surge-domain/src/zones/kr-districts.tsv"), "w", encoding="utf-8") as out:
        out.write(head.replace("make-kr.py", "crates/surge-web/maps/make-kr.py") + "\n".join(names) + "\n")
    with open(os.path.join(here, "kr-districts.tsv"), "w", encoding="utf-8") as out:
        out.write(head + "\n".join(shapes) + "\n")
    print(f"{len(names)} districts")


if __name__ == "__main__":
    main(*sys.argv[1:])
