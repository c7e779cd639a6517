#!/usr/bin/env python3
"""Generate data/text/first_names.txt and data/text/surnames.txt from the name
lists of the PyPI package `faker`, pinned to version 40.63.0 (MIT; see
data/LICENSES/faker.txt), plus the hand-written SUPPLEMENT below.

    pip install faker==40.63.0
    python3 scripts/gen_names.py           # rewrite both files
    python3 scripts/gen_names.py --check   # exit 1 if a checked-in file differs

The lists let the engine recognise people in transfer lines (`PRZELEW DO JAN
KOWALSKI`), and a one-word merchant alias that equals a listed name only
matches on card purchases. So:

* names come from Faker's person providers of the EU-27, GB, IE, CH, NO and US
  locales (LOCALES); Faker's Bulgarian and Turkish lists are not used (the
  Bulgarian ones are largely joke names), nor its Irish surname list (long,
  unranked, full of English words: SURNAME_SKIP), and Polish surnames are
  taken from its ranked top-200 list only;
* SUPPLEMENT adds common names Faker lacks: Bulgarian and Maltese names, the
  top Polish, German and Romanian surnames, and names of large communities
  (Turkish, Arabic, South Asian, Ukrainian) that are frequent on European and
  US statements;
* Greek and Bulgarian Cyrillic names are kept in their script and also spelled
  in Latin letters (ELOT 743 / the Bulgarian streamlined system:
  Παπαδόπουλος -> Papadopoulos); German names with umlauts also get their
  `ue` spelling (Müller -> Mueller), Danish/Norwegian ones their `oe/aa/ae`
  spelling (Søren -> Soeren); Polish `-ski/-cki/-dzki` surnames also their
  feminine form;
* only one-token names are kept: `Anne-Marie` is not, and `van der Berg`,
  `De Smet`, `Da Silva` are listed by their last word (`Berg`, `Smet`);
* DENY removes names that are mainly brands or common nouns (`Lidl`, `Otto`,
  `Mercedes`, `Chase`, `Bill`, `Hope`), and every word of
  data/text/stopwords.txt is removed too, so that the lists never contradict
  each other.

Entries are compared after the engine's normalization, so spellings that only
differ by accents or case are written once (the accented one is kept).
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import re
import sys
import unicodedata
from pathlib import Path

from generated import check_or_write

PACKAGE = "faker"
PINNED_VERSION = "40.63.0"

ROOT = Path(__file__).resolve().parent.parent
FIRST_OUT = ROOT / "data" / "text" / "first_names.txt"
SURNAME_OUT = ROOT / "data" / "text" / "surnames.txt"
STOPWORDS = ROOT / "data" / "text" / "stopwords.txt"

# locale -> cap on each ranked first-name list (None: all)
LOCALES: dict[str, int | None] = {
    "cs_CZ": None, "da_DK": None, "de_AT": None, "de_CH": 400, "de_DE": None,
    "de_LU": None, "el_GR": None, "en_GB": None, "en_IE": None, "en_US": None,
    "es_ES": None, "et_EE": None, "fi_FI": None, "fr_BE": None, "fr_CH": None,
    "fr_FR": None, "hr_HR": None, "hu_HU": None, "it_IT": None, "lt_LT": None,
    "lv_LV": None, "nl_BE": None, "nl_NL": None, "no_NO": None, "pl_PL": None,
    "pt_PT": None, "ro_RO": None, "sk_SK": None, "sl_SI": None, "sv_SE": None,
}
FIRST_ATTRS = ("first_names_male", "first_names_female", "first_names")
SURNAME_ATTRS = ("last_names", "last_names_male", "last_names_female", "male_last_names")
# Faker's Irish surname list is a long unranked list with many spelling variants
# and English words; Irish surnames come from en_GB/en_US and SUPPLEMENT instead.
SURNAME_SKIP = {"en_IE"}
GERMAN_LOCALES = {"de_AT", "de_CH", "de_DE", "de_LU"}
DANO_NORWEGIAN_LOCALES = {"da_DK", "no_NO"}

# Hand-written additions: (first names, surnames) per group, space-separated.
SUPPLEMENT: dict[str, tuple[str, str]] = {
    "BG": (
        "Георги Иван Димитър Николай Петър Христо Стефан Йордан Васил Тодор Александър "
        "Атанас Красимир Пламен Стоян Ангел Румен Валентин Емил Кирил Борис Владимир "
        "Мартин Даниел Никола Асен Цветан Любомир Явор Калоян Мария Иванка Елена Йорданка "
        "Пенка Виолета Даниела Десислава Гергана Снежана Галина Надежда Радка "
        "Цветелина Теодора Силвия Красимира Валентина Росица Милена Петя Николета "
        "Стефка Веселина Ралица Невена Виктория Габриела Симона Катерина",
        "Иванов Иванова Георгиев Георгиева Димитров Димитрова Петров Петрова Николов "
        "Николова Христов Христова Стоянов Стоянова Тодоров Тодорова Илиев Илиева "
        "Атанасов Атанасова Ангелов Ангелова Василев Василева Петков Петкова Колев "
        "Колева Йорданов Йорданова Марков Маркова Попов Попова Стефанов Стефанова "
        "Михайлов Михайлова Костов Костова Димитров Павлов Павлова Янев Янева "
        "Александров Александрова Кирилов Кирилова Борисов Борисова Ненчев Цветков "
        "Цветкова Русев Русева Добрев Добрева Стойчев Стойчева",
    ),
    "MT": (
        "Carmel Joseph Giovanni Ġużeppi Pawlu Mario Charles Anthony Rita Doris Carmen "
        "Josephine Marija Rosaria Antoine Ryan Kurt Keith Clayton Luke Jake Nicole "
        "Maria",
        "Borg Camilleri Vella Farrugia Zammit Galea Micallef Grech Attard Spiteri "
        "Azzopardi Mifsud Agius Sammut Cassar Caruana Fenech Abela Debono Gauci Schembri "
        "Muscat Bonnici Cutajar Xuereb Aquilina Bugeja Calleja Ellul Portelli Tanti "
        "Buttigieg Cauchi Bartolo Mallia Psaila Dalli Formosa Mangion Pisani Saliba "
        "Tabone Mizzi Chetcuti Pace Said Zahra",
    ),
    "PL": (
        "Łukasz Paweł Michał Piotr Krzysztof Tomasz Marcin Jakub Mateusz Kacper Szymon "
        "Wojciech Grzegorz Bartosz Dawid Kamil Maciej Rafał Damian Przemysław Sebastian "
        "Adrian Patryk Hubert Filip Antoni Stanisław Zbigniew Jerzy Ryszard Tadeusz "
        "Zdzisław Kazimierz Bogdan Janusz Mirosław Dariusz Leszek Artur Agnieszka "
        "Katarzyna Małgorzata Joanna Magdalena Monika Ewa Dorota Beata Aleksandra "
        "Karolina Natalia Justyna Paulina Weronika Zuzanna Julia Maja Zofia Oliwia "
        "Halina Krystyna Grażyna Bożena Jadwiga Elżbieta Wiesława Urszula Teresa "
        "Renata Iwona Sylwia Edyta Marzena Izabela Kinga Kasia Ola Gosia Basia",
        "Nowak Wójcik Kowalczyk Woźniak Mazur Krawczyk Kaczmarek Zając Król Wieczorek "
        "Wróbel Dudek Adamczyk Stępień Pawlak Walczak Sikora Baran Michalak Szewczyk "
        "Pietrzak Marciniak Duda Włodarczyk Wilk Lis Kubiak Mazurek Kołodziej "
        "Kaźmierczak Sobczak Urban Szulc Kaczmarczyk Szymczak Cieślak Kozieł "
        "Szczepaniak Bąk Jasiński Górecki Kowal Jabłońska Majewska Nowakowska Kowalska "
        "Wiśniewska Dąbrowska Lewandowska Kamińska Zielińska Szymańska",
    ),
    "DE": (
        "Jürgen Günter Günther Jörg Björn Sören Uwe Dieter Klaus Horst Helmut Manfred "
        "Wolfgang Rüdiger Gerd Detlef Bernd Ralf Torsten Thorsten Sven Maik Heike Silke "
        "Anke Birgit Jutta Gudrun Dörte Bärbel Käthe Jürgen Lea Mia Emma Hannah Lina "
        "Finn Luca Leon Noah Elias Jonas Ben Paul Felix Lukas Maximilian",
        "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
        "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Schwarz Zimmermann Braun "
        "Krüger Hofmann Hartmann Lange Schmitt Werner Schmitz Krause Meier Lehmann Schmid "
        "Schulze Maier Köhler Herrmann König Walter Mayer Huber Kaiser Fuchs Peters Lang "
        "Scholz Möller Weiß Jung Hahn Schubert Vogel Friedrich Keller Günther Frank Berger "
        "Winkler Roth Beck Lorenz Baumann Franke Albrecht Schuster Simon Ludwig Böhm "
        "Winter Kraus Martin Schumacher Krämer Vogt Stein Jäger Sommer Groß Seidel "
        "Heinrich Brandt Haas Schreiber Graf Schulte Dietrich Ziegler Kuhn Kühn Pohl "
        "Engel Horn Busch Bergmann Thomas Voigt Sauer Arnold Wolff Pfeiffer Yılmaz",
    ),
    "RO": (
        "Ion Ioan Gheorghe Constantin Vasile Nicolae Mihai Andrei Alexandru Dumitru "
        "Ștefan Florin Cristian Adrian Marian Bogdan Ionuț Răzvan Mădălina Elena Ioana "
        "Maria Andreea Mihaela Cristina Alexandra Gabriela Ana Daniela Florentina",
        "Popa Popescu Pop Radu Dumitru Stan Stoica Gheorghe Matei Ciobanu Ionescu Rusu "
        "Constantin Mihai Munteanu Florea Moldovan Toma Marin Lazăr Ene Dinu Sava Barbu "
        "Tudor Ilie Nistor Vasile Ion Iordache Cristea Georgescu Stanciu Dobre Mocanu "
        "Dragomir Neagu Preda Lungu Manea Nedelcu Enache Popovici Voicu Diaconu Oprea "
        "Constantinescu Dumitrescu Anghel Bălan Petrescu Sandu Tănase Ursu Zamfir Nica "
        "Ardelean Dragomir",
    ),
    "LT": (
        "",
        "Kazlauskas Jankauskas Petrauskas Stankevičius Vasiliauskas Žukauskas Butkus "
        "Paulauskas Urbonas Kavaliauskas Navickas Ramanauskas Savickas Rimkus "
        "Baranauskas Sakalauskas Žilinskas Mikalauskas Kairys Bernotas Kazakevičius "
        "Lukoševičius Adomaitis Rutkauskas Petraitis Jonaitis Vaitkus Budrys Gudaitis "
        "Stankus Balčiūnas Šimkus Kazlauskienė Jankauskienė Petrauskienė "
        "Stankevičienė Vasiliauskienė Žukauskienė Kazlauskaitė Jankauskaitė",
    ),
    "TR": (
        "Mehmet Mustafa Ahmet Ali Hüseyin Hasan İbrahim İsmail Osman Yusuf Murat Ömer "
        "Ramazan Halil Süleyman Abdullah Mahmut Salih Recep Kemal Fatih Emre Burak "
        "Serkan Orhan Yasin Kadir Cem Onur Tolga Erkan Volkan Hakan Metin Sinan Ercan "
        "Emine Fatma Ayşe Hatice Zeynep Elif Meryem Şerife Zehra Hanife Merve Özlem "
        "Esra Büşra Yasemin Hülya Leyla Derya Ebru Songül Aylin Selin Seda Tuğba Kübra "
        "Gülsüm Dilek Sibel",
        "Yılmaz Kaya Demir Şahin Çelik Yıldız Yıldırım Öztürk Aydın Özdemir Arslan "
        "Doğan Kılıç Aslan Çetin Kara Koç Kurt Özkan Şimşek Polat Korkmaz Özcan Erdoğan "
        "Güneş Aksoy Karaca Bulut Keskin Ünal Avcı Çakır Güler Tekin Kaplan",
    ),
    "ARABIC": (
        "Mohamed Mohammed Mohammad Muhammad Mohamad Ahmed Ahmad Mahmoud Mustafa Omar "
        "Youssef Karim Hassan Hussein Ibrahim Khalid Rachid Samir Walid Abdel "
        "Abdelkader Abdullah Hamza Bilal Mehdi Nabil Tarek Amir Fatima Aicha Aisha "
        "Khadija Amina Leila Nadia Samira Yasmina Yasmine Zineb Salma Imane Houda Malika",
        "Benali Benaissa Bouzid Haddad Mansour Saleh Abdallah Hamdi Khalil Nasser "
        "Yousef Haddou Amrani Idrissi Alaoui Benjelloun Cherif Belkacem Boukhari",
    ),
    "SOUTH_ASIAN": (
        "Raj Amit Priya Ravi Sanjay Arjun Rahul Deepak Anil Sunil Vijay Rajesh Suresh "
        "Ramesh Anita Sunita Pooja Neha Aarav Imran Asif Tariq Nadeem Shahid Zainab "
        "Ayesha Sana Harpreet Gurpreet Manpreet Jaspreet",
        "Khan Patel Singh Shah Ahmed Hussain Begum Ali Kaur Kumar Sharma Akhtar Iqbal "
        "Rahman Islam Chowdhury Choudhury Mahmood Butt Malik Qureshi Siddiqui Gupta "
        "Mehta Joshi Desai Rao Reddy Nair Mistry Parmar Chauhan",
    ),
    "UKRAINIAN": (
        "Oleksandr Oleksii Andrii Serhii Volodymyr Mykola Dmytro Yurii Vasyl Bohdan "
        "Taras Maksym Artem Vitalii Yevhen Olena Oksana Iryna Tetiana Yuliia Olha "
        "Svitlana Kateryna Anastasiia Mariia Nataliia Liudmyla Halyna Viktoriia",
        "Kovalenko Shevchenko Bondarenko Tkachenko Kovalchuk Kravchenko Oliinyk "
        "Shevchuk Polishchuk Bondar Tkachuk Marchenko Moroz Lysenko Rudenko Savchenko "
        "Petrenko Klymenko Pavlenko Kuzmenko Melnyk Boiko Kravets Koval Ivanova Ivanov "
        "Petrov Smirnov Kuznetsov Popov Sokolov Volkov Kozlov Novikov Morozov Pavlov",
    ),
    "EN": (
        "",
        "Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts "
        "Robinson Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris "
        "Clarke Patel Jackson Wood Turner Martin Cooper Hill Ward Morris Moore Clark Lee "
        "King Baker Harrison Morgan Allen James Scott Phillips Watson Davis Parker Price "
        "Bennett Young Griffiths Mitchell Kelly Cook Carter Richardson Bailey Collins "
        "Bell Shaw Murphy Miller Cox Richards Khan Marshall Anderson Simpson Ellis Adams "
        "Singh Begum Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Ali Hunt "
        "Hussain Campbell Matthews Owen Palmer Holmes Mills Barnes Knight Lloyd Butler "
        "Russell Barker Fisher Stevens Jenkins Murray Dixon Harvey Graham Pearson "
        "Ahmed Fletcher Walsh Kaur Gibson Howard Andrews Stewart Elliott Reynolds Saunders "
        "Payne Fox Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer "
        "Gill Dawson Ball Burton O'Brien Watts Rose Booth Perry Ryan Grant Wells "
        "Armstrong Francis Rees Hayes Hart Hudson Newman Barrett Webster Hunter Gregory "
        "Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Reid Holland Hawkins "
        "Harding Porter Robertson Newton Oliver Reed Kennedy Williamson Bird Gardner Shah "
        "Dean Lane Cooke Bates Henderson Parry Burgess Bishop Walton Burns Nicholson "
        "Shepherd Ross Cross Long Freeman Warren Nicholls Hamilton Byrne Sutton McDonald "
        "Yates Hodgson Robson Curtis Hopkins O'Connor Harper Coleman Watkins Moss "
        "McCarthy Chambers O'Neill Griffin Sharp Hardy Wheeler Potter Osborne Johnston "
        "Gordon Doyle Wallace George Jordan Hutchinson Reeves Doherty Sullivan Gallagher "
        "Fitzgerald Lynch Quinn Kavanagh Brennan O'Sullivan O'Donnell McLaughlin "
        "Nolan Flynn Duffy Maguire Fitzpatrick Kane Whelan Sheehan Keane Moran "
        "McGrath Kenny Power Cullen Daly Dunne Farrell Connolly Regan Donnelly Boyle",
    ),
}

# Mainly brands or common nouns: never listed as names (normalized form).
DENY = set("""
next boots target primark shell apple orange coop bar post
lidl aldi rossmann netto penny norma otto thalia zara mercedes chase hilton marriott
hyatt hertz avis sixt tesla disney kroger walgreen macy dillard nordstrom sears skoda
dacia kia leclerc boulanger picard darty lafayette bosch siemens porsche benz daimler
opel miele fielmann hornbach armani versace gucci prada fendi ferragamo benetton bulgari
ferrari lamborghini maserati bugatti lancia barilla lavazza campari santander heijn
blokker philips heineken sainsbury dino masoutis sklavenitis kotsovolos germanos ford
dell peugeot renault citroen michelin dior chanel hermes lacoste vuitton cartier ally
delta eir guinness chevrolet lexus jaguar rover cadillac harley ikea
quartier fall fee bill will hope faith star sky storm rain river honey candy sunny
chance king prince major royal unique art rich cash ace
may june april summer
age ales ante ants ascension astride bent bitten bozo come constant cord corona desire
diamond edit fem feline floor gala greet grit gun gunner gust henna kick lean lies lode
lore lot made mile misty paw puck sine sonata sos tome pastor jet valero
amigo back backer barer barman basic bigot bite blot brands bud butte cal cant carrion case
cases cis close colic comment cools cop drub emo glasses goblet hovel hoes honing hug hurt
jug junk key killer kink lace lass lice lips magic medic mitt molder murk pi privet put raid
real renders roots sales sec sitters soot suits tins topic vain vi vial warmer widen sire
tack spies pock mores mans siren tron mace pent poll
combi alamo mol moneta sas
""".split())


SPECIAL = {
    "ß": "ss", "ẞ": "ss", "ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "æ": "ae", "Æ": "ae",
    "œ": "oe", "Œ": "oe", "đ": "d", "Đ": "d", "þ": "th", "Þ": "th", "ð": "d", "Ð": "d",
    "ı": "i", "ħ": "h", "Ħ": "h",
}


def norm(text: str) -> str:
    """Approximation of the engine's normalization of Latin text."""
    out = []
    for ch in unicodedata.normalize("NFKD", text):
        if unicodedata.combining(ch):
            continue
        out.append(SPECIAL.get(ch, ch).lower())
    s = "".join(out)
    s = re.sub(r"['’‘ʻʼ`´]", "", s)
    s = re.sub(r"[^a-z0-9]+", " ", s)
    s = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z])", " ", s)
    return s.strip()


def is_latin(text: str) -> bool:
    return not any(0x370 <= ord(c) <= 0x52F for c in text)


def key(text: str) -> str:
    """De-duplication key: normalized Latin, or the lower-cased Greek/Cyrillic text
    without accents."""
    return norm(text) if is_latin(text) else strip_accents(text.lower())


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


GREEK_DIGRAPHS = [("ου", "ou"), ("αι", "ai"), ("ει", "ei"), ("οι", "oi"), ("γγ", "ng"),
                  ("γξ", "nx"), ("γχ", "nch")]
GREEK_LETTERS = dict(zip("αβγδεζηθικλμνξοπρσςτυφχψω",
                         ["a", "v", "g", "d", "e", "z", "i", "th", "i", "k", "l", "m", "n",
                          "x", "o", "p", "r", "s", "s", "t", "y", "f", "ch", "ps", "o"]))
GREEK_VOICELESS = set("θκξπστφχψ")


def greek_to_latin(word: str) -> str:
    """ELOT 743 (the spelling on Greek passports and bank cards)."""
    w = strip_accents(word.lower())
    out = []
    i = 0
    while i < len(w):
        two = w[i:i + 2]
        nxt = w[i + 2] if i + 2 < len(w) else ""
        if two in ("αυ", "ευ", "ηυ"):
            base = {"αυ": "a", "ευ": "e", "ηυ": "i"}[two]
            out.append(base + ("f" if (not nxt or nxt in GREEK_VOICELESS) else "v"))
            i += 2
            continue
        if two == "μπ":
            out.append("b" if i == 0 else "mp")
            i += 2
            continue
        if two == "ντ":
            out.append("d" if i == 0 else "nt")
            i += 2
            continue
        if two == "γκ":
            out.append("g" if i == 0 else "gk")
            i += 2
            continue
        for g, lat in GREEK_DIGRAPHS:
            if two == g:
                out.append(lat)
                i += 2
                break
        else:
            out.append(GREEK_LETTERS.get(w[i], w[i]))
            i += 1
    return "".join(out).capitalize()


BULGARIAN = dict(zip("абвгдежзийклмнопрстуфхцчшщъьюя",
                     ["a", "b", "v", "g", "d", "e", "zh", "z", "i", "y", "k", "l", "m", "n",
                      "o", "p", "r", "s", "t", "u", "f", "h", "ts", "ch", "sh", "sht", "a",
                      "y", "yu", "ya"]))


def bulgarian_to_latin(word: str) -> str:
    """The Bulgarian streamlined system (Transliteration Act 2009)."""
    w = word.lower()
    if w.endswith("ия"):
        w = w[:-2] + "ia"
    return "".join(BULGARIAN.get(c, c) for c in w).capitalize()


def german_spelling(s: str) -> str:
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("Ä", "Ae"), ("Ö", "Oe"), ("Ü", "Ue")):
        s = s.replace(a, b)
    return s


def dano_norwegian_spelling(s: str) -> str:
    for a, b in (("å", "aa"), ("Å", "Aa"), ("ø", "oe"), ("Ø", "Oe"), ("æ", "ae"), ("Æ", "Ae")):
        s = s.replace(a, b)
    return s


def polish_feminine(s: str) -> str | None:
    for m, f in (("dzki", "dzka"), ("cki", "cka"), ("ski", "ska")):
        if s.endswith(m):
            return s[: -len(m)] + f
    return None


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


def provider_list(provider: type, attr: str) -> list[str]:
    value = provider.__dict__.get(attr)
    if value is None or isinstance(value, (property, str)) or callable(value):
        return []
    return [str(v) for v in value]


PARTICLES = {
    "van", "von", "de", "der", "den", "het", "ten", "ter", "te", "la", "le", "du", "da", "dos",
    "das", "del", "della", "di", "zu", "vom", "vander", "vanden", "op", "in", "t",
}


def tidy(name: str) -> str | None:
    name = name.strip()
    words = name.replace(",", " ").split()
    if len(words) > 1:  # `van der Berg`, `De Smet`, `Bourgondië, van`: keep the family name
        rest = [w for w in words if norm(w) not in PARTICLES]
        if len(rest) != 1 or len(norm(rest[0])) < 3:
            return None
        name = rest[0]
    if not name or any(c.isdigit() for c in name) or "." in name:
        return None
    if name.islower() or name.isupper():
        name = name[:1].upper() + name[1:].lower()
    return name


def spellings(name: str, locale: str) -> list[str]:
    out = [name]
    if not is_latin(name):
        if any(0x370 <= ord(c) <= 0x3FF for c in name):
            out.append(greek_to_latin(name))
        else:
            out.append(bulgarian_to_latin(name))
    if locale in GERMAN_LOCALES or locale == "DE":
        out.append(german_spelling(name))
    if locale in DANO_NORWEGIAN_LOCALES:
        out.append(dano_norwegian_spelling(name))
    return out


def load_stopwords() -> set[str]:
    words = set()
    for line in STOPWORDS.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            words.add(key(line))
    return words


def collect() -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(name, locale) pairs for first names and surnames, in source order."""
    first: list[tuple[str, str]] = []
    last: list[tuple[str, str]] = []
    for locale, cap in LOCALES.items():
        provider = importlib.import_module(f"faker.providers.person.{locale}").Provider
        gendered = [provider_list(provider, a) for a in FIRST_ATTRS[:2]]
        lists = gendered if any(gendered) else [provider_list(provider, FIRST_ATTRS[2])]
        for lst in lists:
            first.extend((n, locale) for n in (lst[:cap] if cap else lst))
        for attr in SURNAME_ATTRS if locale not in SURNAME_SKIP else ():
            for n in provider_list(provider, attr):
                last.append((n, locale))
                if locale == "pl_PL":
                    fem = polish_feminine(n)
                    if fem:
                        last.append((fem, locale))
    for group, (firsts, lasts) in SUPPLEMENT.items():
        first.extend((n, group) for n in firsts.split())
        last.extend((n, group) for n in lasts.split())
    return first, last


def build_list(pairs: list[tuple[str, str]], stop: set[str]) -> list[str]:
    """One spelling per key: the native (accented) one unless the plain one is at least
    three times as common across locales (`García`, `Müller`, but `Maria` over `Mária`);
    otherwise the more common one, then the first seen."""
    count: dict[str, int] = {}
    for raw, _ in pairs:
        name = tidy(raw)
        if name:
            count[name] = count.get(name, 0) + 1

    def better(new: str, current: str) -> bool:
        cn, cc = count.get(new, 0), count.get(current, 0)
        if bool(accents(new)) != bool(accents(current)):
            plain_count, accented_count = (cn, cc) if not accents(new) else (cc, cn)
            prefer_plain = plain_count >= 3 * accented_count
            return prefer_plain if not accents(new) else not prefer_plain
        return cn > cc

    chosen: dict[str, str] = {}
    for raw, locale in pairs:
        name = tidy(raw)
        if name is None:
            continue
        for spelled in spellings(name, locale):
            k = key(spelled)
            if not k or " " in k:  # one token only
                continue
            latin_key = norm(spelled) if is_latin(spelled) else norm(greek_or_bg_latin(spelled))
            if latin_key in DENY or k in stop or latin_key in stop:
                continue
            current = chosen.get(k)
            if current is None or better(spelled, current):
                chosen[k] = spelled
    return sorted(chosen.values(), key=lambda s: (key(s), s))


def greek_or_bg_latin(s: str) -> str:
    if any(0x370 <= ord(c) <= 0x3FF for c in s):
        return greek_to_latin(s)
    return bulgarian_to_latin(s)


def accents(s: str) -> int:
    return sum(1 for c in s if ord(c) > 127)


def render(names: list[str], what: str) -> str:
    header = [
        f"# DO NOT EDIT: generated by scripts/gen_names.py from {PACKAGE} {PINNED_VERSION}"
        " and the script's SUPPLEMENT",
        f"# Common {what} across the EU-27, GB, CH, NO and the US (with large communities",
        "# on their statements), in native spelling, with Latin spellings of Greek and",
        "# Cyrillic names. Used to recognise people in transfer lines. Names that are",
        "# mainly brands or common nouns, and stop-words, are left out. Faker: MIT, see",
        "# data/LICENSES/faker.txt.",
    ]
    return "\n".join(header + names) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true",
                        help="exit 1 if a checked-in file differs from what would be generated")
    args = parser.parse_args()
    check_version()
    stop = load_stopwords()
    first_pairs, last_pairs = collect()
    outputs = {
        FIRST_OUT: render(build_list(first_pairs, stop), "given names"),
        SURNAME_OUT: render(build_list(last_pairs, stop), "surnames"),
    }
    return check_or_write(outputs.items(), args.check, "scripts/gen_names.py",
                          unit="names", header_lines=6)

if __name__ == "__main__":
    sys.exit(main())
