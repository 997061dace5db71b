"""Places, streets and words for the sandbox's four markets: Cyprus, Greece, France and the US."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Place:
    city: str
    region: str
    postal_codes: tuple[str, ...]
    latitude: float
    longitude: float
    local_city: str = ""  # name in the local language where the API carries one
    local_region: str = ""
    neighbourhoods: tuple[str, ...] = ()
    state: str = ""  # US state code


CYPRUS = (
    Place(
        "Paphos",
        "Paphos",
        ("8010", "8020", "8042", "8046"),
        34.7720,
        32.4297,
        neighbourhoods=("Kato Paphos", "Chloraka", "Peyia", "Tala"),
    ),
    Place(
        "Limassol",
        "Limassol",
        ("3025", "3035", "3045", "4046"),
        34.6786,
        33.0413,
        neighbourhoods=("Germasogeia", "Agios Tychonas", "Mesa Geitonia"),
    ),
    Place(
        "Larnaca",
        "Larnaca",
        ("6015", "6021", "6057", "7040"),
        34.9229,
        33.6233,
        neighbourhoods=("Mackenzie", "Oroklini", "Livadia"),
    ),
    Place(
        "Nicosia",
        "Nicosia",
        ("1010", "1065", "2023", "2107"),
        35.1856,
        33.3823,
        neighbourhoods=("Strovolos", "Engomi", "Aglantzia"),
    ),
    Place(
        "Protaras",
        "Famagusta",
        ("5296", "5310", "5330"),
        35.0125,
        34.0583,
        neighbourhoods=("Pernera", "Ayia Napa", "Kapparis"),
    ),
)

GREECE = (
    Place(
        "Athens",
        "Attica",
        ("10557", "10676", "11471", "11528"),
        37.9838,
        23.7275,
        "Αθήνα",
        "Αττική",
        ("Κολωνάκι", "Παγκράτι", "Κουκάκι", "Εξάρχεια"),
    ),
    Place(
        "Glyfada",
        "Attica",
        ("16561", "16562", "16674"),
        37.8600,
        23.7530,
        "Γλυφάδα",
        "Αττική",
        ("Άνω Γλυφάδα", "Τερψιθέα"),
    ),
    Place(
        "Thessaloniki",
        "Central Macedonia",
        ("54623", "54624", "54640", "55131"),
        40.6401,
        22.9444,
        "Θεσσαλονίκη",
        "Κεντρική Μακεδονία",
        ("Λαδάδικα", "Καλαμαριά", "Άνω Πόλη"),
    ),
    Place(
        "Heraklion",
        "Crete",
        ("71201", "71202", "71305"),
        35.3387,
        25.1442,
        "Ηράκλειο",
        "Κρήτη",
        ("Αλικαρνασσός", "Μασταμπάς"),
    ),
    Place("Chania", "Crete", ("73100", "73131", "73134"), 35.5138, 24.0180, "Χανιά", "Κρήτη", ("Χαλέπα", "Νέα Χώρα")),
    Place(
        "Patras",
        "Western Greece",
        ("26221", "26222", "26441"),
        38.2466,
        21.7346,
        "Πάτρα",
        "Δυτική Ελλάδα",
        ("Ψηλαλώνια", "Αγυιά"),
    ),
)

FRANCE = (
    Place(
        "Nice",
        "Provence-Alpes-Côte d'Azur",
        ("06000", "06100", "06200", "06300"),
        43.7102,
        7.2620,
        neighbourhoods=("Gambetta", "Cimiez", "Vieux Nice", "Le Port"),
    ),
    Place(
        "Paris",
        "Île-de-France",
        ("75005", "75011", "75015", "75017"),
        48.8566,
        2.3522,
        neighbourhoods=("Marais", "Batignolles", "Montparnasse", "Bastille"),
    ),
    Place(
        "Lyon",
        "Auvergne-Rhône-Alpes",
        ("69002", "69003", "69006", "69007"),
        45.7640,
        4.8357,
        neighbourhoods=("Presqu'île", "Croix-Rousse", "Part-Dieu"),
    ),
    Place(
        "Bordeaux",
        "Nouvelle-Aquitaine",
        ("33000", "33100", "33200", "33800"),
        44.8378,
        -0.5792,
        neighbourhoods=("Chartrons", "Saint-Michel", "Caudéran"),
    ),
    Place(
        "Marseille",
        "Provence-Alpes-Côte d'Azur",
        ("13001", "13006", "13007", "13008"),
        43.2965,
        5.3698,
        neighbourhoods=("Le Panier", "Endoume", "Castellane"),
    ),
    Place(
        "Montpellier",
        "Occitanie",
        ("34000", "34070", "34090"),
        43.6108,
        3.8767,
        neighbourhoods=("Écusson", "Antigone", "Boutonnet"),
    ),
)

USA = (
    Place("Tehachapi", "Kern County", ("93561",), 35.1322, -118.4490, state="CA"),
    Place("Bakersfield", "Kern County", ("93301", "93306", "93309", "93312"), 35.3733, -119.0187, state="CA"),
    Place("Sacramento", "Sacramento County", ("95814", "95816", "95818", "95822"), 38.5816, -121.4944, state="CA"),
    Place("Portland", "Multnomah County", ("97201", "97205", "97212", "97214"), 45.5152, -122.6784, state="OR"),
    Place("Phoenix", "Maricopa County", ("85003", "85004", "85016", "85018"), 33.4484, -112.0740, state="AZ"),
    Place("Denver", "Denver County", ("80202", "80205", "80206", "80210"), 39.7392, -104.9903, state="CO"),
    Place("Boise", "Ada County", ("83702", "83704", "83706"), 43.6150, -116.2023, state="ID"),
    Place("Austin", "Travis County", ("78701", "78702", "78704", "78745"), 30.2672, -97.7431, state="TX"),
    Place("Nashville", "Davidson County", ("37203", "37206", "37209", "37212"), 36.1627, -86.7816, state="TN"),
    Place("Tampa", "Hillsborough County", ("33602", "33606", "33609", "33611"), 27.9506, -82.4572, state="FL"),
    Place("Raleigh", "Wake County", ("27601", "27603", "27605", "27608"), 35.7796, -78.6382, state="NC"),
)

STREETS = {
    "cy": (
        "Coastal Road",
        "Makarios Avenue",
        "Poseidonos Avenue",
        "Apostolou Pavlou",
        "Griva Digeni",
        "Tombs of the Kings Road",
        "Arch. Kyprianou",
        "Ayias Napas Avenue",
    ),
    "gr": (
        "Τσιμισκή",
        "Ερμού",
        "Πανεπιστημίου",
        "Βασιλίσσης Σοφίας",
        "Αγίου Δημητρίου",
        "Κηφισίας",
        "Εγνατία",
        "Μητροπόλεως",
    ),
    "fr": (
        "rue de la République",
        "avenue Jean Médecin",
        "boulevard Gambetta",
        "rue Victor Hugo",
        "avenue de la Libération",
        "rue Pasteur",
        "quai des Chartrons",
        "rue de Rivoli",
    ),
    "us": (
        "Oak Ave",
        "Main St",
        "Cerro Vista Dr",
        "Maple St",
        "Sunset Blvd",
        "Pine Ridge Rd",
        "Lakeview Dr",
        "Cedar Ln",
        "Willow Way",
        "Hillcrest Ave",
    ),
}

# USPS street suffix abbreviations (those of STREETS["us"]) and the words portals write out instead
US_STREET_SUFFIXES = {
    "Ave": "Avenue",
    "St": "Street",
    "Dr": "Drive",
    "Blvd": "Boulevard",
    "Rd": "Road",
    "Ln": "Lane",
    "Way": "Way",
}


def us_street_in_full(street: str) -> str:
    """ "Oak Ave" -> "Oak Avenue": the suffix written out, as some portals do."""
    name, _, suffix = street.rpartition(" ")
    return f"{name} {US_STREET_SUFFIXES.get(suffix, suffix)}"


ADJECTIVES = ("Charming", "Spacious", "Bright", "Renovated", "Modern", "Quiet", "Elegant", "Sunny", "Cosy")
FEATURES = (
    "sea views",
    "a private garden",
    "a roof terrace",
    "covered parking",
    "a shared pool",
    "open-plan living",
    "a fitted kitchen",
    "air conditioning throughout",
    "mountain views",
)
GREEK_TYPES = {
    "apartment": "Διαμέρισμα",
    "house": "Μονοκατοικία",
    "villa": "Βίλα",
    "townhouse": "Μεζονέτα",
    "land": "Οικόπεδο",
    "commercial": "Επαγγελματικός χώρος",
    "parking": "Θέση στάθμευσης",
}
FRENCH_TYPES = {
    "apartment": "Appartement",
    "house": "Maison",
    "villa": "Villa",
    "townhouse": "Maison de ville",
    "land": "Terrain",
    "commercial": "Local commercial",
    "parking": "Parking",
}


def jitter(rng: random.Random, place: Place, spread: float = 0.04) -> tuple[float, float]:
    return (
        round(place.latitude + rng.uniform(-spread, spread), 6),
        round(place.longitude + rng.uniform(-spread, spread), 6),
    )


def english_title(rng: random.Random, property_label: str, city: str, bedrooms: int | None) -> str:
    rooms = f"{bedrooms}-Bedroom " if bedrooms else ""
    return f"{rng.choice(ADJECTIVES)} {rooms}{property_label} in {city}"


def english_description(rng: random.Random, property_label: str, city: str) -> str:
    features = rng.sample(FEATURES, 2)
    return f"{property_label} in {city} with {features[0]} and {features[1]}. Close to shops, schools and transport."


def revised(text: str, revision: int) -> str:
    """An edit that leaves price and status alone shows up as changed text."""
    return text if revision == 0 else f"{text} (Updated, revision {revision}.)"
