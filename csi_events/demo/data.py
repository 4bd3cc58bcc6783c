"""The demo's content: Los Angeles County LEAs, schools, people and learning opportunities.

The LEA names are those of real Los Angeles County districts (the charters are invented), placed in the
subregion (Service Planning Area) where they mostly sit. Apart from Los Angeles Unified (1964733) and the
county office (1910199), the CD codes are plausible but illustrative: a real CDE import corrects names by
code. Schools and people are generated from the lists below with a seeded random generator, so every load
builds the same directory and the same people; only dates move, relative to the day of the load.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

SEED = 20250301


@dataclass(frozen=True)
class DemoLea:
    cd_code: str
    name: str
    kind: str
    subregion: int | None
    city: str
    schools: int
    ccspp_status: str = "none"
    ccspp_cohort: str | None = None


LEAS: tuple[DemoLea, ...] = (
    DemoLea("1910199", "Los Angeles County Office of Education", "county_office", None, "Downey", 2),
    # 1 Antelope Valley
    DemoLea("1964212", "Antelope Valley Union High", "district", 1, "Lancaster", 3, "implementation", "Cohort 1"),
    DemoLea("1964667", "Lancaster Elementary", "district", 1, "Lancaster", 3, "planning", "Cohort 2"),
    DemoLea("1964857", "Palmdale Elementary", "district", 1, "Palmdale", 3, "implementation", "Cohort 2"),
    DemoLea("1975309", "Acton-Agua Dulce Unified", "district", 1, "Acton", 2),
    DemoLea("1976893", "High Desert STEAM Charter", "charter", 1, "Palmdale", 1),
    # 2 San Fernando Valley
    DemoLea("1964337", "Burbank Unified", "district", 2, "Burbank", 3, "planning", "Cohort 3"),
    DemoLea("1964568", "Glendale Unified", "district", 2, "Glendale", 3),
    DemoLea("1965136", "William S. Hart Union High", "district", 2, "Santa Clarita", 2),
    DemoLea("1976869", "Vista Horizon Charter Academy", "charter", 2, "Pacoima", 1, "implementation", "Cohort 2"),
    # 3 San Gabriel Valley
    DemoLea("1964881", "Pasadena Unified", "district", 3, "Pasadena", 3, "implementation", "Cohort 1"),
    DemoLea("1964907", "Pomona Unified", "district", 3, "Pomona", 3, "implementation", "Cohort 2"),
    DemoLea("1964501", "El Monte City Elementary", "district", 3, "El Monte", 3, "planning", "Cohort 3"),
    DemoLea("1964246", "Baldwin Park Unified", "district", 3, "Baldwin Park", 2),
    DemoLea("1973452", "Rowland Unified", "district", 3, "Rowland Heights", 2),
    # 4 Metro (Los Angeles Unified spans several subregions: its schools are spread)
    DemoLea("1964733", "Los Angeles Unified", "district", 4, "Los Angeles", 10, "implementation", "Cohort 1"),
    # 5 West
    DemoLea("1964980", "Santa Monica-Malibu Unified", "district", 5, "Santa Monica", 2),
    DemoLea("1964444", "Culver City Unified", "district", 5, "Culver City", 2, "planning", "Cohort 3"),
    # 6 South
    DemoLea("1973437", "Compton Unified", "district", 6, "Compton", 3, "implementation", "Cohort 1"),
    DemoLea("1964766", "Lynwood Unified", "district", 6, "Lynwood", 3, "implementation", "Cohort 2"),
    DemoLea("1964873", "Paramount Unified", "district", 6, "Paramount", 2),
    # 7 East
    DemoLea("1964790", "Montebello Unified", "district", 7, "Montebello", 3, "implementation", "Cohort 2"),
    DemoLea("1964485", "Downey Unified", "district", 7, "Downey", 2),
    DemoLea("1964519", "El Rancho Unified", "district", 7, "Pico Rivera", 2, "planning", "Cohort 3"),
    DemoLea("1964824", "Norwalk-La Mirada Unified", "district", 7, "Norwalk", 2),
    DemoLea("1976877", "Eastside Promise Charter", "charter", 7, "East Los Angeles", 1),
    # 8 South Bay
    DemoLea("1964725", "Long Beach Unified", "district", 8, "Long Beach", 4, "implementation", "Cohort 1"),
    DemoLea("1965060", "Torrance Unified", "district", 8, "Torrance", 2),
    DemoLea("1964626", "Inglewood Unified", "district", 8, "Inglewood", 3, "implementation", "Cohort 2"),
    DemoLea("1964394", "Centinela Valley Union High", "district", 8, "Lawndale", 2, "planning", "Cohort 3"),
    DemoLea("1976885", "Harbor Gateway Leadership Academy", "charter", 8, "Harbor City", 1),
)

# Los Angeles Unified's schools, one per subregion in turn.
LAUSD_SUBREGIONS = (2, 4, 5, 6, 8, 7, 4, 2, 6, 4)

NAMESAKES = (
    "Cesar Chavez", "Dolores Huerta", "Rosa Parks", "Maya Angelou", "Sally Ride", "Jackie Robinson",
    "Mary McLeod Bethune", "Sequoia", "Mariposa", "Valley View", "Sunrise", "Del Amo", "Sierra Vista",
    "Lincoln", "Washington", "Mountain View", "Ocean View", "Palm Crest", "Vista del Valle", "Los Robles",
    "Pacific", "Bandini", "Esperanza", "Garfield", "Foothill", "Joshua Tree", "Desert Rose", "Jacaranda",
    "Roosevelt", "Jefferson", "Madison", "Monroe", "Sojourner Truth", "Gabriela Mistral", "Ruben Salazar",
    "Sycamore", "Willowbrook", "Harbor", "Arroyo", "Highland", "Eastmont", "Buena Vista", "Alta Loma",
    "Fremont", "Hoover", "Marshall", "King", "Carver", "Kennedy", "Wilson", "Emerson", "Whittier",
)  # fmt: skip
LEVELS = (
    ("Elementary", "60", 5),
    ("Elementary School", "60", 3),
    ("Middle", "60", 2),
    ("K-8 Academy", "01", 1),
    ("High", "19", 2),
)
CHARTER_LEVELS = (("Charter Academy", "01", 1),)
HIGH_LEVELS = (("High", "19", 3), ("Continuation High", "19", 1))
ELEMENTARY_LEVELS = (("Elementary", "60", 5), ("Elementary School", "60", 3), ("Middle", "60", 2))
COUNTY_OFFICE_LEVELS = (("Community Day School", "19", 1), ("Juvenile Court School", "19", 1))


def _levels(lea: DemoLea) -> tuple:
    if lea.kind == "charter":
        return CHARTER_LEVELS
    if lea.kind == "county_office":
        return COUNTY_OFFICE_LEVELS
    if lea.name.endswith("High"):
        return HIGH_LEVELS
    if lea.name.endswith("Elementary"):
        return ELEMENTARY_LEVELS
    return LEVELS


FIRST_NAMES = (
    "Maria", "Jose", "Guadalupe", "David", "Jennifer", "Michael", "Alejandra", "Daniel", "Linh", "Kevin",
    "Aisha", "Jasmine", "Carlos", "Sophia", "Tuan", "Ana", "Marcus", "Esther", "Hiroshi", "Fatima",
    "Luis", "Rebecca", "Andre", "Yesenia", "Grace", "Omar", "Lucia", "Samuel", "Mei", "Veronica",
    "Darnell", "Rosa", "Arturo", "Kimberly", "Minh", "Patricia", "Nadia", "Roberto", "Tiffany", "Hector",
)  # fmt: skip
LAST_NAMES = (
    "Garcia", "Hernandez", "Martinez", "Lopez", "Nguyen", "Kim", "Johnson", "Williams", "Rodriguez",
    "Gonzalez", "Perez", "Sanchez", "Ramirez", "Torres", "Flores", "Rivera", "Tran", "Washington",
    "Jackson", "Chen", "Park", "Davis", "Morales", "Ortiz", "Reyes", "Cruz", "Gutierrez", "Le",
    "Thompson", "Alvarez", "Mendoza", "Castillo", "Jimenez", "Vargas", "Romero", "Harris", "Patel",
)  # fmt: skip
# (role, weight) for demo educators and partners
ROLES = (
    ("teacher", 10),
    ("community_school_coordinator", 8),
    ("administrator", 5),
    ("student_support_staff", 4),
    ("classified_staff", 3),
    ("family_member", 3),
    ("community_partner", 3),
    ("lea_county_staff", 2),
)
PARTNER_ORGANIZATIONS = (
    "Promesa Boyle Heights", "Para Los Niños", "YMCA of Metropolitan Los Angeles",
    "Antelope Valley Partners for Health", "St. John's Community Health", "Long Beach Family Resource Center",
)  # fmt: skip
PEOPLE = 70

STAFF_USERS = (
    ("admin@example.org", "admin", "Demo Administrator"),
    ("staff@example.org", "staff", "Renee Okafor (R-TAC)"),
    ("facilitator1@example.org", "facilitator", "Diego Alvarado"),
    ("facilitator2@example.org", "facilitator", "Priya Raman"),
)


@dataclass(frozen=True)
class DemoOpportunity:
    title: str
    kind: str
    modality: str
    subregion: int | None
    topics: tuple[str, ...]
    summary: str
    audience: str
    start_day: int  # days from today (negative: past)
    start_time: tuple[int, int]  # local (America/Los_Angeles) hour, minute
    minutes: int
    sessions: int = 1
    every_days: int = 7
    capacity: int | None = 40
    pd_hours_per_session: float | None = None
    venue: str | None = None
    registrations: int = 0
    status: str = "published"
    facilitators: tuple[int, ...] = (0,)  # indexes into the facilitator users
    cancel_some: int = 0  # registrations cancelled after sign-up (promotes from the waitlist)
    description: str = ""
    extra: dict = field(default_factory=dict)


ZOOM = "https://zoom.example.org/j/"

OPPORTUNITIES: tuple[DemoOpportunity, ...] = (
    DemoOpportunity(
        "Family Engagement Community of Practice", "community_of_practice", "hybrid", None,
        ("family_community_engagement", "two-generation"),
        "Monthly peer learning for coordinators building authentic family partnerships.",
        "Community school coordinators, family liaisons", -45, (15, 30), 90, sessions=4, every_days=28,
        capacity=45, venue="LACOE, 12830 Columbia Way, Downey — Room 2A", registrations=32, facilitators=(0, 1),
    ),
    DemoOpportunity(
        "Integrated Student Supports 101", "workshop", "in_person", 6,
        ("integrated_student_supports", "mtss"),
        "Map your school's supports, referral pathways and partners in one afternoon.",
        "Site teams from South LA schools", -20, (13, 0), 180, capacity=35,
        venue="Lynwood Unified Professional Development Center, 11321 Bullis Rd, Lynwood", registrations=28,
    ),
    DemoOpportunity(
        "Collaborative Leadership: Shared Decision-Making", "training_series", "virtual", None,
        ("collaborative_leadership",),
        "Three sessions on building and running a shared leadership team with students, families and staff.",
        "Principals, assistant principals, coordinators", 10, (16, 0), 90, sessions=3, capacity=60,
        registrations=26, facilitators=(1,),
    ),
    DemoOpportunity(
        "Expanded Learning Partnerships Convening", "convening", "in_person", 3,
        ("extended_learning", "partnerships"),
        "A regional day with ELO-P providers, districts and community partners.",
        "Expanded learning leads and partners", 30, (8, 30), 390, capacity=120,
        venue="Pasadena Convention Center, 300 E Green St, Pasadena", registrations=34, facilitators=(0, 1),
    ),
    DemoOpportunity(
        "Community Schools Office Hours", "office_hours", "virtual", None,
        ("collaborative_leadership", "integrated_student_supports"),
        "Bring your implementation questions: grants, staffing, data, partnerships.",
        "Anyone implementing a community school", -7, (12, 0), 60, sessions=4, capacity=None,
        registrations=14, facilitators=(1,),
    ),
    DemoOpportunity(
        "Asset Mapping with Your Community", "webinar", "virtual", None,
        ("family_community_engagement",),
        "Tools to find and map the assets around your school with families and neighbors.",
        "Coordinators and community partners", -35, (15, 30), 75, capacity=100, registrations=24,
    ),
    DemoOpportunity(
        "Restorative Practices for Community Schools", "workshop", "in_person", 8,
        ("integrated_student_supports", "restorative-practices"),
        "Circles, restorative conversations and re-entry meetings, practiced together.",
        "Teachers, counselors, student-support staff", 5, (9, 0), 240, capacity=12,
        venue="Long Beach Unified, 1515 Hughes Way, Long Beach — Board Room", registrations=16, cancel_some=1,
        facilitators=(0,),
    ),
    DemoOpportunity(
        "Needs Assessment Data Walk", "workshop", "hybrid", 1,
        ("collaborative_leadership", "data"),
        "Read your needs and assets assessment data together and choose next steps.",
        "Antelope Valley site teams", 21, (15, 0), 120, capacity=40,
        venue="Antelope Valley Union High District Office, 44811 Sierra Hwy, Lancaster", registrations=18,
    ),
    DemoOpportunity(
        "Coordinator Onboarding Series", "training_series", "in_person", 4,
        ("collaborative_leadership", "integrated_student_supports", "onboarding"),
        "Four mornings for new community school coordinators: roles, teams, partners and data.",
        "New community school coordinators", -60, (9, 0), 180, sessions=3, capacity=30,
        venue="LAUSD Beaudry Building, 333 S Beaudry Ave, Los Angeles — Room 16-110", registrations=22,
        facilitators=(0, 1),
    ),
    DemoOpportunity(
        "Family Leadership Academy (English/Español)", "workshop", "in_person", 7,
        ("family_community_engagement", "bilingual"),
        "Families lead: advocacy, school governance and the LCAP, with interpretation throughout.",
        "Family members and family liaisons", 40, (17, 30), 120, sessions=2, every_days=14, capacity=50,
        venue="Montebello Intermediate, 1600 W Whittier Blvd, Montebello — Library", registrations=20,
        facilitators=(1,),
    ),
    DemoOpportunity(
        "CCSPP Grant Reporting Webinar", "webinar", "virtual", None,
        ("collaborative_leadership", "ccspp"),
        "What to report this year, when, and how to tell your story with data.",
        "Grant leads at LEAs with a CCSPP grant", 3, (10, 0), 60, capacity=None, registrations=19,
    ),
    DemoOpportunity(
        "Spring Regional Convening", "convening", "in_person", None,
        ("integrated_student_supports", "family_community_engagement", "collaborative_leadership",
         "extended_learning"),
        "Our countywide gathering of community schools: workshops on all four pillars.",
        "Everyone in the Los Angeles County community schools network", 75, (8, 0), 420, capacity=300,
        venue="The California Endowment, 1000 N Alameda St, Los Angeles", status="draft", facilitators=(0, 1),
    ),
    DemoOpportunity(
        "Summer Learning Design Lab", "workshop", "virtual", None,
        ("extended_learning",),
        "Design a summer program that blends enrichment and academic recovery.",
        "Expanded learning coordinators", 12, (14, 0), 120, capacity=40, registrations=6, status="cancelled",
    ),
)  # fmt: skip


# ---------------------------------------------------------------- generators (pure: same seed, same output)


@dataclass(frozen=True)
class DemoSchool:
    cds_code: str
    name: str
    lea_cd_code: str
    subregion: int | None
    city: str
    ccspp_status: str


@dataclass(frozen=True)
class DemoPerson:
    first_name: str
    last_name: str
    email: str
    role: str
    lea_cd_code: str | None
    school_cds_code: str | None
    organization: str | None


def demo_schools(rng: random.Random) -> list[DemoSchool]:
    schools: list[DemoSchool] = []
    used_codes: set[str] = set()
    for lea in LEAS:
        names: set[str] = set()
        for i in range(lea.schools):
            levels = _levels(lea)
            level, prefix, _weight = rng.choices(levels, weights=[w for *_x, w in levels])[0]
            name = lea.name if lea.kind == "charter" else f"{rng.choice(NAMESAKES)} {level}"
            while name in names:
                name = f"{rng.choice(NAMESAKES)} {level}"
            names.add(name)
            code = f"{lea.cd_code}{prefix}{rng.randrange(10000, 99999)}"
            while code in used_codes:
                code = f"{lea.cd_code}{prefix}{rng.randrange(10000, 99999)}"
            used_codes.add(code)
            subregion = LAUSD_SUBREGIONS[i % len(LAUSD_SUBREGIONS)] if lea.cd_code == "1964733" else lea.subregion
            status = lea.ccspp_status if lea.ccspp_status != "none" and rng.random() < 0.7 else "none"
            schools.append(DemoSchool(code, name, lea.cd_code, subregion, lea.city, status))
    return schools


def demo_people(rng: random.Random, schools: list[DemoSchool]) -> list[DemoPerson]:
    people: list[DemoPerson] = []
    emails: set[str] = set()
    roles, weights = zip(*ROLES, strict=True)
    domains = ("example.org", "example.net", "example.com")
    while len(people) < PEOPLE:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first}.{last}@{rng.choice(domains)}".lower()
        if email in emails:
            continue
        emails.add(email)
        role = rng.choices(roles, weights=weights)[0]
        if role == "community_partner":
            people.append(DemoPerson(first, last, email, role, None, None, rng.choice(PARTNER_ORGANIZATIONS)))
            continue
        school = rng.choice(schools)
        keep_school = role != "lea_county_staff"
        people.append(
            DemoPerson(first, last, email, role, school.lea_cd_code, school.cds_code if keep_school else None, None)
        )
    return people
