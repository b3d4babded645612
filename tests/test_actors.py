"""Actor extraction: countries in their many forms, organisations and acronyms, roles.

Sentences come from the seed texts, the IOM evaluation PDFs and the GFMD facts in ../shared/data
(skipped when that folder is missing), and from hand-written GFMD-style sentences.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest

from gfmd_search import actors
from gfmd_search.actors import (
    CIVIL_SOCIETY,
    GOVERNMENT,
    INTERNATIONAL,
    canonical_actor,
    extract_mentions,
)
from gfmd_search.records import Mention

IOM = "International Organization for Migration (IOM)"
EU = "European Union (EU)"


def names(text: str) -> list[str]:
    return [m.name for m in extract_mentions(text)]


def found(text: str) -> dict[str, Mention]:
    return {m.name: m for m in extract_mentions(text)}


def roles(text: str) -> dict[str, str | None]:
    return {m.name: m.role for m in extract_mentions(text)}


# --------------------------------------------------------------------------- interface


def test_interface_constants_and_version():
    assert (GOVERNMENT, INTERNATIONAL, CIVIL_SOCIETY) == (
        "government",
        "international organisation",
        "civil society / other",
    )
    assert isinstance(actors.VERSION, str) and actors.VERSION


def test_mentions_are_sorted_non_overlapping_exact_spans():
    text = (
        "The Government of the Philippines, the International Organization for Migration (IOM) and the "
        "Danish Refugee Council (DRC) met in Papua New Guinea; later IOM and DRC staff went to Guinea-Bissau."
    )
    mentions = extract_mentions(text)
    assert all(isinstance(m, Mention) for m in mentions)
    assert [m.start for m in mentions] == sorted(m.start for m in mentions)
    for a, b in zip(mentions, mentions[1:]):
        assert a.end <= b.start
    for m in mentions:
        assert m.surface == text[m.start : m.end]
        assert m.type in (GOVERNMENT, INTERNATIONAL, CIVIL_SOCIETY)
    assert names(text) == [
        "Philippines",
        IOM,
        "Danish Refugee Council",
        "Papua New Guinea",
        IOM,
        "Danish Refugee Council",
        "Guinea-Bissau",
    ]


def test_empty_and_actorless_text():
    assert extract_mentions("") == []
    assert extract_mentions("Migration has been and remains today an integral part of development processes.") == []


# --------------------------------------------------------------------------- countries


@pytest.mark.parametrize(
    "surface, canonical",
    [
        ("the Philippines", "Philippines"),
        ("Republic of the Philippines", "Philippines"),
        ("Republic of Korea", "Republic of Korea"),
        ("South Korea", "Republic of Korea"),
        ("Korea", "Republic of Korea"),
        ("North Korea", "Democratic People's Republic of Korea"),
        ("Holy See", "Holy See"),
        ("United States", "United States"),
        ("United States of America", "United States"),
        ("USA", "United States"),
        ("U.S.", "United States"),
        ("US", "United States"),
        ("UK", "United Kingdom"),
        ("United Kingdom", "United Kingdom"),
        ("Viet Nam", "Viet Nam"),
        ("Vietnam", "Viet Nam"),
        ("Türkiye", "Türkiye"),
        ("Turkey", "Türkiye"),
        ("Russia", "Russian Federation"),
        ("Iran", "Iran"),
        ("Iran (Islamic Republic of)", "Iran"),
        ("Moldova", "Republic of Moldova"),
        ("Bolivia", "Bolivia"),
        ("Venezuela", "Venezuela"),
        ("Tanzania", "United Republic of Tanzania"),
        ("Syria", "Syrian Arab Republic"),
        ("Laos", "Lao People's Democratic Republic"),
        ("Lao PDR", "Lao People's Democratic Republic"),
        ("Côte d'Ivoire", "Côte d'Ivoire"),
        ("Côte d’Ivoire", "Côte d'Ivoire"),
        ("Ivory Coast", "Côte d'Ivoire"),
        ("Czechia", "Czechia"),
        ("Czech Republic", "Czechia"),
        ("Kosovo", "Kosovo"),
        ("Palestine", "Palestine"),
        ("State of Palestine", "Palestine"),
        ("DR Congo", "Democratic Republic of the Congo"),
        ("Swaziland", "Eswatini"),
        ("Cape Verde", "Cabo Verde"),
        ("Burma", "Myanmar"),
        ("Georgia", "Georgia"),
        ("Mali", "Mali"),
        ("the Gambia", "Gambia"),
        ("the Netherlands", "Netherlands"),
    ],
)
def test_country_forms(surface, canonical):
    text = f"Delegates from {surface} presented a national action plan on labour migration."
    mentions = extract_mentions(text)
    assert [(m.name, m.type) for m in mentions] == [(canonical, GOVERNMENT)]
    assert mentions[0].surface == surface.removeprefix("the ")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Filipino nurses in the Gulf sent remittances home.", ["Philippines"]),
        ("Moroccan workers in Spain", ["Morocco", "Spain"]),
        ("the Mexican consular network", ["Mexico"]),
        ("the Swiss authorities", ["Switzerland"]),
        ("German employers hired nurses.", ["Germany"]),
        ("Bangladeshi migrant workers", ["Bangladesh"]),
        ("an Ecuadorian programme for returnees", ["Ecuador"]),
        ("Filipinos abroad", ["Philippines"]),
        ("Senegalese diaspora associations", ["Senegal"]),
        ("the Philippine Overseas Labor Offices", ["Philippines"]),
        ("Ivorian returnees", ["Côte d'Ivoire"]),
        ("Dutch municipalities", ["Netherlands"]),
        ("Papua New Guinean and Guinean workers", ["Papua New Guinea", "Guinea"]),
        ("South Sudanese and Sudanese refugees", ["South Sudan", "Sudan"]),
    ],
)
def test_demonyms_and_adjectives(text, expected):
    assert names(text) == expected
    assert all(m.type == GOVERNMENT for m in extract_mentions(text))


def test_government_and_ministry_prefixes_fold_into_the_country():
    text = (
        "The Government of the Philippines and the Ministry of Foreign Affairs of Mexico signed, "
        "witnessed by the Permanent Mission of Ghana."
    )
    mentions = extract_mentions(text)
    assert [(m.name, m.surface) for m in mentions] == [
        ("Philippines", "Government of the Philippines"),
        ("Mexico", "Ministry of Foreign Affairs of Mexico"),
        ("Ghana", "Permanent Mission of Ghana"),
    ]


def test_chad_as_a_given_name_is_not_the_country():
    assert names("Mr. Chad Smith of the ILO opened the session.") == ["International Labour Organization (ILO)"]
    assert names("Chad Smith presented the findings.") == []
    assert names("Dr Chad spoke first.") == []
    assert names("Refugees from Chad and Niger arrived; Chad, Mali and Nigeria were represented.") == [
        "Chad",
        "Niger",
        "Chad",
        "Mali",
        "Nigeria",
    ]
    assert names("The Chad Government hosted the meeting.") == ["Chad"]
    assert names("Jordan Peterson wrote a book; Jordan hosts many refugees.") == ["Jordan"]


def test_papua_new_guinea_is_one_country_and_guinea_variants_are_distinct():
    text = "Papua New Guinea, Guinea, Guinea-Bissau and Equatorial Guinea joined; New Guinea is an island."
    assert names(text) == ["Papua New Guinea", "Guinea", "Guinea-Bissau", "Equatorial Guinea"]


def test_near_namesakes_stay_apart():
    assert names("Niger and Nigeria") == ["Niger", "Nigeria"]
    assert names("Dominica and the Dominican Republic") == ["Dominica", "Dominican Republic"]
    assert names("Sudan and South Sudan") == ["Sudan", "South Sudan"]


def test_word_boundaries_and_case():
    assert names("Let us roast a turkey for the dinner.") == []
    assert names("Several turkeys; the USSR; BUSINESS; Malice; Omani") == ["Oman"]
    assert names("The US$ 5 million grant") == []
    assert names("Turkey and the US agreed.") == ["Türkiye", "United States"]


def test_language_names_are_not_countries():
    assert names("The report is available in French and Spanish.") == []
    assert names("French-speaking migrants") == []
    assert names("French and German governments co-financed it.") == ["France", "Germany"]


def test_not_after_and_not_before_contexts():
    assert names("Latin American and Central American governments") == []
    assert names("American and Canadian delegates") == ["United States", "Canada"]
    assert names("The Indian Ocean islands; Indian nurses") == ["India"]
    assert names("the Joint Initiative in Sahel and Lake Chad") == []
    assert names("New Mexico and Mexico") == ["Mexico"]


# --------------------------------------------------------------------------- organisations


@pytest.mark.parametrize(
    "surface, canonical, type_",
    [
        ("IOM", IOM, INTERNATIONAL),
        ("International Organization for Migration", IOM, INTERNATIONAL),
        ("ILO", "International Labour Organization (ILO)", INTERNATIONAL),
        ("UNHCR", "Office of the United Nations High Commissioner for Refugees (UNHCR)", INTERNATIONAL),
        ("OHCHR", "Office of the United Nations High Commissioner for Human Rights (OHCHR)", INTERNATIONAL),
        ("UNDP", "United Nations Development Programme (UNDP)", INTERNATIONAL),
        ("UNICEF", "United Nations Children's Fund (UNICEF)", INTERNATIONAL),
        ("UN Women", "UN Women", INTERNATIONAL),
        ("UNODC", "United Nations Office on Drugs and Crime (UNODC)", INTERNATIONAL),
        ("World Bank", "World Bank", INTERNATIONAL),
        ("OECD", "Organisation for Economic Co-operation and Development (OECD)", INTERNATIONAL),
        ("EU", EU, INTERNATIONAL),
        ("European Union", EU, INTERNATIONAL),
        ("European Commission", EU, INTERNATIONAL),
        ("KNOMAD", "Global Knowledge Partnership on Migration and Development (KNOMAD)", INTERNATIONAL),
        ("Global Migration Group", "Global Migration Group (GMG)", INTERNATIONAL),
        ("IFAD", "International Fund for Agricultural Development (IFAD)", INTERNATIONAL),
        ("UNFPA", "United Nations Population Fund (UNFPA)", INTERNATIONAL),
        ("UNESCO", "United Nations Educational, Scientific and Cultural Organization (UNESCO)", INTERNATIONAL),
        ("WHO", "World Health Organization (WHO)", INTERNATIONAL),
        ("UNCTAD", "United Nations Conference on Trade and Development (UNCTAD)", INTERNATIONAL),
        ("UN DESA", "United Nations Department of Economic and Social Affairs (UN DESA)", INTERNATIONAL),
        ("UNITAR", "United Nations Institute for Training and Research (UNITAR)", INTERNATIONAL),
        ("UNRWA", "United Nations Relief and Works Agency for Palestine Refugees in the Near East (UNRWA)", INTERNATIONAL),
        ("ICMPD", "International Centre for Migration Policy Development (ICMPD)", INTERNATIONAL),
        ("ITUC", "International Trade Union Confederation (ITUC)", CIVIL_SOCIETY),
        ("IOE", "International Organisation of Employers (IOE)", CIVIL_SOCIETY),
        ("African Union", "African Union (AU)", INTERNATIONAL),
        ("ECOWAS", "Economic Community of West African States (ECOWAS)", INTERNATIONAL),
        ("ASEAN", "Association of Southeast Asian Nations (ASEAN)", INTERNATIONAL),
        ("Asian Development Bank", "Asian Development Bank (ADB)", INTERNATIONAL),
        ("Inter-American Development Bank", "Inter-American Development Bank (IDB)", INTERNATIONAL),
        ("World Food Programme", "World Food Programme (WFP)", INTERNATIONAL),
        ("UN-Habitat", "UN-Habitat", INTERNATIONAL),
        ("UN Network on Migration", "United Nations Network on Migration", INTERNATIONAL),
        ("IMF", "International Monetary Fund (IMF)", INTERNATIONAL),
        ("FAO", "Food and Agriculture Organization of the United Nations (FAO)", INTERNATIONAL),
        ("Inter-Parliamentary Union", "Inter-Parliamentary Union (IPU)", INTERNATIONAL),
        ("Migration Policy Institute", "Migration Policy Institute (MPI)", CIVIL_SOCIETY),
        ("USAID", "United States Agency for International Development (USAID)", GOVERNMENT),
        ("DFID", "Foreign, Commonwealth & Development Office (FCDO)", GOVERNMENT),
        ("FCDO", "Foreign, Commonwealth & Development Office (FCDO)", GOVERNMENT),
        ("GIZ", "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)", GOVERNMENT),
        ("SDC", "Swiss Agency for Development and Cooperation (SDC)", GOVERNMENT),
        ("Sida", "Swedish International Development Cooperation Agency (Sida)", GOVERNMENT),
        ("Norad", "Norwegian Agency for Development Cooperation (Norad)", GOVERNMENT),
        ("JICA", "Japan International Cooperation Agency (JICA)", GOVERNMENT),
        ("KOICA", "Korea International Cooperation Agency (KOICA)", GOVERNMENT),
        ("BPRM", "U.S. Bureau of Population, Refugees, and Migration (PRM)", GOVERNMENT),
        ("DG ECHO", "Directorate-General for European Civil Protection and Humanitarian Aid Operations (ECHO)", INTERNATIONAL),
        ("DG INTPA", "Directorate-General for International Partnerships (DG INTPA)", INTERNATIONAL),
        ("DEVCO", "Directorate-General for International Partnerships (DG INTPA)", INTERNATIONAL),
    ],
)
def test_organisations_and_acronyms(surface, canonical, type_):
    text = f"A representative of {surface} described the joint programme on labour mobility."
    assert [(m.name, m.type, m.surface) for m in extract_mentions(text)] == [(canonical, type_, surface)]


def test_registry_name_with_its_acronym_is_one_mention():
    text = "The United Nations High Commissioner for Refugees (UNHCR) and the World Health Organization (WHO) spoke."
    mentions = extract_mentions(text)
    assert [m.surface for m in mentions] == [
        "United Nations High Commissioner for Refugees (UNHCR)",
        "World Health Organization (WHO)",
    ]


def test_gfmd_itself_is_not_an_actor():
    text = "The Global Forum on Migration and Development (GFMD) Steering Group met; the GFMD Chair thanked UNDP."
    assert names(text) == ["United Nations Development Programme (UNDP)"]
    assert canonical_actor("GFMD") is None
    assert canonical_actor("Global Forum on Migration and Development") is None
    assert canonical_actor("GFMD Civil Society Mechanism") == ("GFMD Civil Society Mechanism", CIVIL_SOCIETY)


def test_ambiguous_acronyms_in_capitals_headings_are_skipped():
    assert names("WHO WE ARE AND WHAT WE DO") == []
    assert names("LET US KNOW") == []
    assert names("UNHCR, WHO and IOM") == [
        "Office of the United Nations High Commissioner for Refugees (UNHCR)",
        "World Health Organization (WHO)",
        IOM,
    ]
    assert names("EVALUATION OF IOM ACCOUNTABILITY TO AFFECTED POPULATIONS") == [IOM]


# --------------------------------------------------------------------------- Full Name (ACRONYM)


def test_unknown_full_name_acronym_and_later_reuse():
    text = (
        "Since 2012 the Bangladesh Ovibashi Mohila Sramik Association (BOMSA) has trained returnees. "
        "BOMSA also works with the Danish Refugee Council (DRC) in Dhaka; DRC funds two shelters."
    )
    mentions = extract_mentions(text)
    bomsa = "Bangladesh Ovibashi Mohila Sramik Association (BOMSA)"
    assert [(m.name, m.type, m.surface) for m in mentions] == [
        (bomsa, CIVIL_SOCIETY, bomsa),
        (bomsa, CIVIL_SOCIETY, "BOMSA"),
        ("Danish Refugee Council", CIVIL_SOCIETY, "Danish Refugee Council (DRC)"),
        ("Danish Refugee Council", CIVIL_SOCIETY, "DRC"),
    ]


def test_an_acronym_before_its_definition_keeps_its_registry_reading():
    text = "Returnees reached the DRC. Later the Danish Refugee Council (DRC) opened an office; DRC staff stayed."
    assert names(text) == ["Democratic Republic of the Congo", "Danish Refugee Council", "Danish Refugee Council"]


def test_sentence_initial_words_are_not_part_of_the_full_name():
    text = "Moreover Mixed Migration Monitoring Centre (MMMC) data; After the Centre for Migration Studies (CMS) report."
    assert names(text) == [
        "Mixed Migration Monitoring Centre (MMMC)",
        "Centre for Migration Studies (CMS)",
    ]


def test_non_organisation_definitions_are_not_actors_and_block_the_acronym():
    text = (
        "The Multidimensional Poverty Index (MPI) rose while the Migration Data Strategy (MDS) was adopted. "
        "MPI values fell."
    )
    assert names(text) == []
    assert names("The Migration Policy Institute (MPI) published a brief; MPI also hosted a webinar.") == [
        "Migration Policy Institute (MPI)",
        "Migration Policy Institute (MPI)",
    ]


def test_reversed_acronym_full_name_and_ministries():
    text = (
        "ICMC (International Catholic Migration Commission) and the Ministry of Labour and Employment (MoLE) "
        "agreed; MoLE will report."
    )
    mentions = extract_mentions(text)
    assert [(m.name, m.type) for m in mentions] == [
        ("International Catholic Migration Commission (ICMC)", CIVIL_SOCIETY),
        ("Ministry of Labour and Employment (MoLE)", GOVERNMENT),
        ("Ministry of Labour and Employment (MoLE)", GOVERNMENT),
    ]


def test_government_of_x_with_its_own_acronym():
    text = "The Government of Japan (GoJ) funded the pilot, and GoJ staff visited."
    m = extract_mentions(text)
    assert [(x.name, x.surface) for x in m] == [("Japan", "Government of Japan (GoJ)"), ("Japan", "GoJ")]


# --------------------------------------------------------------------------- roles


def test_co_chaired_by_a_list():
    text = "Roundtable 2.1 was co-chaired by Bangladesh, Ghana and the Philippines, with IOM as rapporteur."
    assert roles(text) == {"Bangladesh": "co-chair", "Ghana": "co-chair", "Philippines": "co-chair", IOM: None}


@pytest.mark.parametrize(
    "text, expected",
    [
        ("Germany and Morocco (co-chairs) presented the outcome.", {"Germany": "co-chair", "Morocco": "co-chair"}),
        ("Germany (co-chair with Morocco, 2017-2018)", {"Germany": "co-chair", "Morocco": "co-chair"}),
        ("The 2008 meeting in Manila was hosted by the Philippines.", {"Philippines": "host"}),
        ("Morocco hosted the 2018 GFMD Summit in Marrakesh.", {"Morocco": "host"}),
        ("Chair: Sweden", {"Sweden": "chair"}),
        ("The GFMD was chaired by Bangladesh in 2016.", {"Bangladesh": "chair"}),
        ("under the chairmanship of Ecuador, the forum met in Quito", {"Ecuador": "chair"}),
        ("The project was funded by the Government of Japan and USAID.",
         {"Japan": "donor", "United States Agency for International Development (USAID)": "donor"}),
        ("Donors: European Union, Switzerland", {EU: "donor", "Switzerland": "donor"}),
        ("with funding from the Swiss Agency for Development and Cooperation (SDC)",
         {"Swiss Agency for Development and Cooperation (SDC)": "donor"}),
        ("The programme is implemented by IOM and UNDP in six countries.",
         {IOM: "implementing partner", "United Nations Development Programme (UNDP)": "implementing partner"}),
        ("Mexico works in partnership with UNICEF on child migrants.",
         {"Mexico": None, "United Nations Children's Fund (UNICEF)": "implementing partner"}),
        ("Team members: Philippines, Mexico, ILO", {"Philippines": "team member", "Mexico": "team member",
                                                     "International Labour Organization (ILO)": "team member"}),
        ("The roundtable, co-chaired by Germany and Morocco, was hosted by France.",
         {"Germany": "co-chair", "Morocco": "co-chair", "France": "host"}),
        ("The group is currently chaired by IOM and co- chaired by Plan International.",
         {IOM: "chair", "Plan International": "co-chair"}),
    ],
)
def test_roles(text, expected):
    assert roles(text) == expected


def test_no_role_without_a_cue_or_across_sentences():
    assert roles("In Ethiopia, IOM implements operations of significant scale.") == {
        "Ethiopia": None,
        IOM: "implementing partner",
    }
    assert roles("The study was funded by a foundation. Kenya and Uganda took part.") == {
        "Kenya": None,
        "Uganda": None,
    }
    assert roles("Canada and Ghana discussed recruitment costs.") == {"Canada": None, "Ghana": None}
    assert roles("Uganda hosts over a million refugees.") == {"Uganda": None}


# --------------------------------------------------------------------------- canonical_actor


@pytest.mark.parametrize(
    "name, expected",
    [
        ("USAID", ("United States Agency for International Development (USAID)", GOVERNMENT)),
        ("Government of the Philippines", ("Philippines", GOVERNMENT)),
        ("Government  of the Netherlands", ("Netherlands", GOVERNMENT)),
        ("European Union", (EU, INTERNATIONAL)),
        ("European Commission", (EU, INTERNATIONAL)),
        ("european union", (EU, INTERNATIONAL)),
        ("the Philippines", ("Philippines", GOVERNMENT)),
        ("South Korea", ("Republic of Korea", GOVERNMENT)),
        ("Turkey", ("Türkiye", GOVERNMENT)),
        ("IOM (International Organization for Migration)", (IOM, INTERNATIONAL)),
        (IOM, (IOM, INTERNATIONAL)),
        ("DRC (Danish Refugee Council)", ("Danish Refugee Council", CIVIL_SOCIETY)),
        ("European Commission for Humanitarian Aid and Civil Protection (ECHO)",
         ("Directorate-General for European Civil Protection and Humanitarian Aid Operations (ECHO)", INTERNATIONAL)),
        ("Ghana Ministry of Foreign Affairs and Regional Integration", ("Ghana", GOVERNMENT)),
        ("Germany (co-chair with Morocco, 2017-2018)", ("Germany", GOVERNMENT)),
        ("Filipino", ("Philippines", GOVERNMENT)),
        ("Not specified", None),
        ("Multiple", None),
        ("", None),
        ("Senegalese diaspora in France", None),
        ("University of Wollongong", None),
    ],
)
def test_canonical_actor(name, expected):
    assert canonical_actor(name) == expected


def test_canonical_names_round_trip():
    from gfmd_search.actors.gazetteer import get_gazetteer

    for entity in get_gazetteer().by_name.values():
        if not entity.exclude:
            assert canonical_actor(entity.name) == (entity.name, entity.type), entity.name


def test_data_files_are_consistent():
    from importlib import resources

    data = json.loads(resources.files("gfmd_search").joinpath("data", "organisations.json").read_text("utf-8"))
    owner: dict[str, str] = {}
    for o in data["organisations"]:
        assert o["type"] in (GOVERNMENT, INTERNATIONAL, CIVIL_SOCIETY), o["name"]
        for form in [o["name"], *o.get("aliases", []), *o.get("acronyms", [])]:
            assert owner.setdefault(form, o["name"]) == o["name"], f"{form!r} belongs to two organisations"
    assert len(data["organisations"]) >= 100


# --------------------------------------------------------------------------- real texts


def test_seed_texts(shared_data: Path):
    seeds = shared_data.parent / "seeds"
    if not seeds.is_dir():
        pytest.skip("seed texts not found")
    overview = (seeds / "gfmd-overview.txt").read_text(encoding="utf-8")
    # The GFMD itself is not reported; the 2006 UNGA High Level Dialogue names the UN.
    assert names(overview) == ["United Nations (UN)"]
    mainstreaming = (seeds / "gfmd-migration-mainstreaming.txt").read_text(encoding="utf-8")
    assert names(mainstreaming) == []


@cache
def _pdf_page(path: Path, page: int) -> str:
    pypdf = pytest.importorskip("pypdf")
    return " ".join((pypdf.PdfReader(path).pages[page - 1].extract_text() or "").split())


def pdf_sentence(shared: Path, name: str, page: int, needle: str) -> str:
    """The sentence of a real IOM PDF page (whitespace normalised) that contains `needle`."""
    path = shared / "iom-pdfs" / name
    if not path.exists():
        pytest.skip(f"{name} not found")
    text = _pdf_page(path, page)
    at = text.index(needle)
    starts = [m.end() for m in re.finditer(r"[.!?]\d*\s+(?=[A-Z])", text[: at + 1])]
    end = re.compile(r"[.!?](?=\d*\s+[A-Z]|\d*$)").search(text, at + len(needle))
    return text[starts[-1] if starts else 0 : end.end() if end else len(text)]


ABRIDGED = "Abridged_Evaluation_Report__Final_Olta_NDOJA.pdf"
FINAL = "Final_Evaluation_Report_Final_Olta_NDOJA.pdf"
AAP = "AAP_Evaluation_Report_final_.pdf"


def test_pdf_funded_by_the_european_union(shared_data: Path):
    s = pdf_sentence(shared_data, ABRIDGED, 2, "This publication was funded by")
    assert s == "This publication was funded by the European Union."
    assert [(m.name, m.role) for m in extract_mentions(s)] == [(EU, "donor")]


def test_pdf_horn_of_africa_countries(shared_data: Path):
    s = pdf_sentence(shared_data, ABRIDGED, 4, "with a focus on Djibouti")
    assert names(s) == [EU, IOM, "Khartoum Process", "Djibouti", "Ethiopia", "Somalia", "Sudan"]


def test_pdf_implemented_by_igad_and_giz(shared_data: Path):
    s = pdf_sentence(shared_data, FINAL, 52, "both implemented by IGAD and the GIZ")
    igad, giz = "Intergovernmental Authority on Development (IGAD)", "Deutsche Gesellschaft für Internationale Zusammenarbeit (GIZ)"
    # "Strengthening IGAD Migration Policy Implementation (SIMPI)" names IGAD without a role.
    assert [(m.name, m.role) for m in extract_mentions(s)] == [
        (igad, None),
        (igad, "implementing partner"),
        (giz, "implementing partner"),
    ]


def test_pdf_funded_by_dfid(shared_data: Path):
    s = pdf_sentence(shared_data, FINAL, 73, "commissioned by IOM and funded by DFID")
    got = roles(s)
    assert got["Foreign, Commonwealth & Development Office (FCDO)"] == "donor"
    assert got[IOM] is None


def test_pdf_cooperation_with_iom(shared_data: Path):
    s = pdf_sentence(shared_data, FINAL, 98, "in cooperation with the IOM")
    assert [(m.name, m.role) for m in extract_mentions(s)] == [
        ("Somalia", None),
        ("Office of the United Nations High Commissioner for Refugees (UNHCR)", None),
        (IOM, "implementing partner"),
    ]


def test_pdf_lake_chad_is_a_region(shared_data: Path):
    s = pdf_sentence(shared_data, FINAL, 20, "Sahel and Lake Chad")
    assert "Chad" not in names(s)


def test_pdf_list_of_agencies_with_acronyms(shared_data: Path):
    s = pdf_sentence(shared_data, AAP, 85, "International Federation of Red Cross (IFRC)")
    mentions = extract_mentions(s)
    assert [m.name for m in mentions] == [
        IOM,
        "United Nations Office for the Coordination of Humanitarian Affairs (OCHA)",
        "Office of the United Nations High Commissioner for Refugees (UNHCR)",
        "International Federation of Red Cross and Red Crescent Societies (IFRC)",
        "World Food Programme (WFP)",
        "United Nations Children's Fund (UNICEF)",
        "Inter-Agency Standing Committee (IASC)",
    ]
    assert mentions[-2].surface == "United Nations International Children’s Emergency Fund (UNICEF)"


def test_pdf_internal_units_are_not_actors(shared_data: Path):
    s = pdf_sentence(shared_data, AAP, 2, "Office of Internal Oversight (OIO)")
    # "IOM Central Evaluation Division (CED)" and "Office of Internal Oversight (OIO)" are IOM's own units.
    assert names(s) == [IOM, IOM]


def test_pdf_regional_economic_communities(shared_data: Path):
    s = pdf_sentence(shared_data, "Annex_VI_Case_Study_-_RDH_East_Horn_and_Southern_Africa.pdf", 3, "East African Community (EAC)")
    assert names(s) == [
        "African Union (AU)",
        "Intergovernmental Authority on Development (IGAD)",
        "East African Community (EAC)",
        "Common Market for Eastern and Southern Africa (COMESA)",
        "Southern African Development Community (SADC)",
    ]


def test_pdf_niger_nigeria_guinea_gambia(shared_data: Path):
    s = pdf_sentence(shared_data, "ISP_IOM_Case-Management-Return-Reintegr-JI-Review_final.pdf", 8, "Guinea, Libya, Niger")
    assert names(s) == [
        "Djibouti", "Ethiopia", "Guinea", "Libya", "Niger", "Nigeria", "Somalia", "Sudan", "Gambia",
    ]


def test_pdf_turkiye_in_a_brief(shared_data: Path):
    s = pdf_sentence(shared_data, "AAP_EN_Evaluation_Brief_final_0.pdf", 1, "March 2024 (Türkiye)")
    assert "Türkiye" in names(s)


# --------------------------------------------------------------------------- shared facts


def test_evaluation_donors_resolve(shared_data: Path):
    path = shared_data / "iom-evaluations" / "evaluations.json"
    records = json.loads(path.read_text(encoding="utf-8"))
    donors: set[str] = set()
    for r in records:
        for part in re.split(r",\s*(?![^()]*\))", r.get("donor") or ""):
            if part.strip():
                donors.add(part.strip())
    placeholders = {"Not specified", "Not available", "Not applicable", "Multiple"}
    for d in donors & placeholders:
        assert canonical_actor(d) is None
    real = sorted(donors - placeholders)
    resolved = {d: canonical_actor(d) for d in real}
    for d, got in resolved.items():
        if d.startswith("Government"):
            assert got is not None and got[1] == GOVERNMENT, d
    assert resolved["Government of the United States"] == ("United States", GOVERNMENT)
    assert resolved["European Union"] == (EU, INTERNATIONAL)
    unresolved = [d for d, got in resolved.items() if got is None]
    assert len(unresolved) <= len(real) // 8, unresolved


def test_gfmd_meeting_chairs_and_roundtable_countries_resolve(shared_data: Path):
    path = shared_data / "gfmd-facts" / "meetings.json"
    meetings = json.loads(path.read_text(encoding="utf-8"))
    for meeting in meetings:
        chair = meeting.get("chair_country")
        if chair:
            got = canonical_actor(chair)  # "Germany (co-chair with Morocco, 2017-2018)" -> Germany
            assert got is not None and got[1] == GOVERNMENT and got[0] in chair.replace("Turkey", "Türkiye"), chair
            assert [m.role for m in extract_mentions(chair)][1:] in ([], ["co-chair"])
        for rt in meeting.get("roundtables", []):
            for name in rt.get("co_chairs", []) + rt.get("team_members", []):
                if name[:1].isupper() and not re.match(r"(?:Dr|Mr|Ms|H\.E)\b", name) and " " not in name.split("(")[0].strip():
                    assert canonical_actor(name) is not None, name
