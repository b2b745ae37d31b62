"""Texts of the Office, spreadsheet and scanned files in the starter corpus
(scripts/build_office_corpus.py writes them). Everything here is illustrative: the clusters,
companies, people and figures are invented for the kb starter corpus. Each file says so in its
keywords ("illustrative": ``ILLUSTRATIVE_KEYWORD``), which kb shows as a badge, not in its text."""

from __future__ import annotations

ILLUSTRATIVE_KEYWORD = "illustrative"

# -- corpus/reports/kalmarsund-industrial-symbiosis.docx ------------------------------------------
DOCX_TITLE = "Kalmarsund Industrial Symbiosis: final report"
DOCX_AUTHOR = "Sara Lindholm"
DOCX_BLOCKS: list[tuple[str, object]] = [
    ("h1", "Kalmarsund Industrial Symbiosis"),
    ("table", [
        ["Reference number", "KB-ILL-2021-14"],
        ["Coordinator", "Kalmarsund Process & Energy Cluster"],
        ["Funding", "SEK 3 200 000 (Vinnova and regional development funds)"],
        ["Project duration", "September 2021 - August 2024"],
        ["Status", "Completed"],
    ]),
    ("h2", "Summary"),
    ("p", "The project helped process companies along the Kalmar Sound coast to use each other's "
          "surplus heat, water and by-products. A cluster facilitator mapped the resource flows "
          "of the members, brought matching companies together and supported the first "
          "exchanges from idea to signed agreement."),
    ("h2", "Background"),
    ("p", "Most members are small and medium-sized plants: a sawmill, two fish farms, a dairy, "
          "a brewery, concrete and lime producers and a handful of engineering firms. Each of "
          "them vented heat or paid to dispose of material that a neighbour could use, but "
          "nobody had the overview, and no company had time to look for partners."),
    ("h2", "Approach"),
    ("h3", "Resource mapping"),
    ("p", "The facilitator visited 27 companies and recorded what each plant takes in and lets "
          "out: heat above 40 °C, process water, wood residues, food by-products and ash. Every "
          "visit took half a day and ended with a one-page flow sheet that the company approved "
          "before anything was shared."),
    ("h3", "Matchmaking"),
    ("p", "Three matchmaking workshops put the flow sheets side by side. The rule was that a "
          "possible exchange needed a named contact in both companies before the cluster spent "
          "more time on it. Of 41 ideas, 12 got past that rule."),
    ("h3", "Pilot exchanges"),
    ("p", "For the most promising ideas the project paid for a feasibility check by an "
          "independent engineer, at most SEK 60 000 per exchange, and lent a standard "
          "agreement template for heat, water and by-product deliveries."),
    ("h2", "Results"),
    ("p", "Five exchanges were running when the project closed, and two more were being built."),
    ("table", [
        ["Measure", "Target", "Achieved"],
        ["Companies mapped", "25", "27"],
        ["Exchanges in operation", "4", "5"],
        ["Surplus heat reused per year", "6 GWh", "8.4 GWh"],
        ["Carbon dioxide avoided per year", "1 500 tonnes", "2 150 tonnes"],
        ["By-products kept out of landfill per year", "3 000 tonnes", "3 600 tonnes"],
    ]),
    ("p", "The largest exchange carries surplus heat from the sawmill's drying kilns to a "
          "land-based fish farm 900 metres away, which now needs no oil boiler in winter."),
    ("h2", "Lessons learned"),
    ("bullet", "The pipes were the easy part. The heat delivery agreement between the sawmill "
               "and the fish farm took eleven months to sign, mostly because neither side "
               "wanted to guarantee supply during maintenance stops."),
    ("bullet", "A neutral facilitator matters: companies shared their flow sheets with the "
               "cluster, not with each other, until a match was agreed."),
    ("bullet", "Small exchanges add up. The brewery's spent grain going to a cattle farmer "
               "saved little carbon but convinced three more members to join."),
    ("h2", "Next steps"),
    ("p", "The cluster keeps the facilitator role in its core budget from 2025 and is studying "
          "a shared biogas plant for food by-products with the municipality."),
]

# -- corpus/webinars/reverse-pitch-tverrfjord-process-cluster.pptx --------------------------------
DECK_TITLE = "Reverse pitch: letting large companies pitch their problems"
DECK_AUTHOR = "Ingrid Haugland"
DECK_SLIDES: list[dict] = [
    {"cover": True, "title": DECK_TITLE,
     "body": ["Innovation Tool of the Month", "Ingrid Haugland, Tverrfjord Process Cluster"],
     "notes": "Open with the drawing of the upside-down stage."},
    {"title": "Why we turned the pitch around",
     "body": ["Autumn 2018: classic supplier pitch session",
              "11 SMEs presented to 4 large plants",
              "Result: not a single follow-up meeting",
              "The pitches were about what suppliers had, not what plants needed"],
     "notes": "Tell the story briefly. The plant managers' feedback was the starting point for "
              "the first reverse pitch in March 2019."},
    {"title": "The format on one page",
     "body": ["Half-day event, 13:00-16:30, hosted at a member plant",
              "3-4 challenge owners, 12 minutes on stage each, one challenge each",
              "Roundtables of 25 minutes, one table per challenge",
              "40-60 people from SMEs, plus researchers",
              "Response note: one page, at most 300 words, within three weeks",
              "Up to five responses per challenge go to a second round of meetings"],
     "notes": "Three cluster staff on the day: one runs the stage and the timing, two float "
              "between the tables and note which SMEs talk to which challenge owner."},
    {"title": "Ten weeks of preparation",
     "table": [["When", "Step"],
               ["10 weeks before", "First call with the challenge owners"],
               ["8 weeks before", "Two-hour challenge workshop with each owner"],
               ["6 weeks before", "Fair-play letter signed by every challenge owner"],
               ["4 weeks before", "Challenge descriptions published on the website"],
               ["Event day", "Stage pitches and roundtables"],
               ["48 hours after", "Table visitor lists sent to the challenge owners"],
               ["3 weeks after", "Response window closes"],
               ["5 weeks after", "Every responding SME has a written yes or no"]],
     "notes": "Book the challenge workshop before you book the venue. The fair-play letter is "
              "signed six weeks ahead so that it can be published with the challenges."},
    {"title": "What makes a good challenge",
     "body": ["Before: \"We want to be more sustainable.\"",
              "After: \"We lose 4 percent of our heat in the drying section and want to "
              "recover at least half of it without stopping the line.\"",
              "Rule: every challenge has a named owner with a budget and the mandate to "
              "start a pilot"],
     "notes": "The workshop checklist has five questions: what is the problem, where in the "
              "plant does it occur, how is it measured today, what has been tried already, and "
              "what would a pilot need from the plant. Talk to engineers, not marketing."},
    {"title": "What one cycle costs",
     "table": [["Item", "NOK per event"],
               ["Catering", "26 000"],
               ["Stage moderator", "18 000"],
               ["Printing of challenge sheets", "9 500"],
               ["Streaming for members in the north", "7 000"],
               ["Other", "9 500"],
               ["Total cash", "70 000"]],
     "notes": "Cash only: staff time is counted separately. The venue is free because a member "
              "plant hosts the event, and the challenge owners' fees cover most of the cash."},
    {"title": "Results 2019-2022",
     "table": [["Edition", "Challenges", "Response notes", "Follow-up meetings", "Pilots"],
               ["March 2019", "4", "21", "6", "2"],
               ["October 2019", "4", "19", "6", "2"],
               ["February 2021 (online)", "3", "8", "2", "0"],
               ["September 2022", "3", "15", "5", "2"],
               ["Total", "14", "63", "19", "6"]],
     "notes": "The drying-line pilot on heat recovery became a supply contract of about 4 "
              "million kroner for Varmegjenvinning Nord AS, a company with nine employees."},
    {"title": "Four pitfalls we learned the hard way",
     "body": ["1. The vague challenge: 60 generic responses nobody can compare",
              "2. The wrong person on stage: a communications officer instead of the engineer",
              "3. Fear of confidentiality: keep the first stage non-confidential",
              "4. Silence after the event: one owner never answered the responses"],
     "notes": "Since pitfall 2, the agreement says the challenge owner in person attends both "
              "the event and the follow-up meetings."},
    {"title": "Follow-up that keeps SMEs coming back",
     "body": ["Visitor lists to challenge owners within 48 hours",
              "Written yes or no to every response within two weeks of the deadline",
              "Check-in calls with each challenge owner at 30 and 90 days, logged in the CRM",
              "Two-minute survey to every SME that responded"],
     "notes": "The survey is where most improvements come from; 71 percent of the responding "
              "SMEs answered it after the September 2022 edition."},
    {"title": "Questions?",
     "body": ["Templates in the shared toolbox: fair-play letter, response note, challenge sheet",
              "Ingrid Haugland, innovation manager, Tverrfjord Process Cluster"],
     "notes": "Start small: one trusted large member, one real problem with an owner, and "
              "about 15 SMEs."},
]

# -- corpus/reports/biopack-pilot-line-prestudy-signed.pdf (an image: no text layer) ------------
SCAN_TITLE = "BioPack Pilot Line pre-study: signed summary (scan)"
SCAN_AUTHOR = "Vanerkusten Packaging Cluster"
SCAN_LINES: list[tuple[str, str]] = [
    ("title", "Pre-study summary report"),
    ("text", "BioPack Pilot Line: a shared pilot line for bio-based packaging"),
    ("gap", ""),
    ("text", "Reference number: KB-ILL-2022-17"),
    ("text", "Coordinator: Vanerkusten Packaging Cluster"),
    ("text", "Funding: SEK 480 000"),
    ("text", "Project duration: April 2022 - December 2022"),
    ("text", "Status: Completed"),
    ("gap", ""),
    ("title", "Summary"),
    ("text", "Seven packaging converters and two pulp mills assessed whether a shared"),
    ("text", "pilot line for moulded fibre and barrier-coated board would pay off in the"),
    ("text", "region. The pre-study collected 23 product ideas from the members; 9 of them"),
    ("text", "need a pilot line that no single member can justify buying alone."),
    ("gap", ""),
    ("title", "Main findings"),
    ("text", "- The pilot line would cost about SEK 14 million and need 1.5 operators."),
    ("text", "- Members expect to book about 1 100 machine hours per year at the start."),
    ("text", "- The members preferred booking fees of SEK 2 400 per machine hour."),
    ("text", "- The municipality offers a hall in the former dairy, rent-free for five years."),
    ("gap", ""),
    ("title", "Decision"),
    ("text", "On 12 December 2022 the steering group decided to apply for investment"),
    ("text", "funding for the pilot line in the next regional call."),
    ("gap", ""),
    ("text", "Signed for the coordinator, 15 December 2022"),
    ("signature", ""),
    ("text", "Karin Ekdahl, cluster manager"),
]

# -- corpus/reports/cluster-project-portfolio.xlsx -----------------------------------------------
XLSX_TITLE = "Bergslagen Process Industry Cluster: project portfolio 2019-2025"
XLSX_AUTHOR = "Bergslagen Process Industry Cluster"
XLSX_CAPTION = XLSX_TITLE
XLSX_HEADER = ["Project", "Reference number", "Coordinator", "Programme", "Funding (SEK)",
               "Start", "End", "Status", "Aim", "Contact"]
XLSX_ROWS: list[list[object]] = [
    ["Slag to Binder", "KB-ILL-2019-21", "Bergslagen Process Industry Cluster", "Vinnova",
     1850000, "2019-09", "2021-08", "Completed",
     "Test steel-mill slag as a partial cement substitute in precast concrete", "Anders Wik"],
    ["Smart Maintenance Pool", "KB-ILL-2020-22", "Mälarmetall AB", "ERDF", 2400000, "2020-03",
     "2022-12", "Completed",
     "A shared vibration-sensor kit and analyst for condition monitoring at 12 SMEs",
     "Lina Berg"],
    ["Hydrogen for Kilns", "KB-ILL-2021-23", "Kilnteknik Sverige AB", "Horizon Europe",
     5300000, "2021-10", "2025-06", "Ongoing",
     "Replace propane with hydrogen in a lime kiln burner at pilot scale", "Jonas Ek"],
    ["Dust to Pigment", "KB-ILL-2021-24", "Järnbruket Färg AB", "Vinnova", 950000, "2021-05",
     "2022-04", "Completed",
     "Recover iron-oxide pigment from filter dust of an electric arc furnace",
     "Maria Sundqvist"],
    ["Process Operators 4.0", "KB-ILL-2022-25", "Bergslagen Process Industry Cluster", "ESF+",
     3100000, "2022-01", "2024-12", "Completed",
     "Short courses in data-driven process control for 140 operators", "Erik Holm"],
    ["Water Loop Hällefors", "KB-ILL-2022-26", "Hällefors Valsverk AB",
     "Regional development funds", 720000, "2022-06", "2023-09", "Completed",
     "Close the cooling-water loop of a rolling mill and cut fresh-water use", "Petra Nyberg"],
    ["Circular Refractories", "KB-ILL-2023-27", "Ugnsfoder Nordic AB", "Vinnova", 2250000,
     "2023-02", "2025-01", "Ongoing",
     "Crush and reuse spent refractory bricks from furnace relining", "Ola Strand"],
    ["Energy Peer Groups", "KB-ILL-2023-28", "Bergslagen Process Industry Cluster",
     "Regional development funds", 640000, "2023-04", "2024-06", "Completed",
     "Energy managers of 9 plants meet monthly to compare measures and savings",
     "Sofia Granlund"],
    ["Digital Twin Foundry", "KB-ILL-2024-29", "Gjuteriteknik Bergslagen AB", "Vinnova",
     4100000, "2024-01", "2026-12", "Ongoing",
     "A digital twin of a sand-casting line to predict scrap before pouring", "Henrik Lund"],
    ["Heat Map Bergslagen", "KB-ILL-2024-30", "Bergslagen Process Industry Cluster",
     "Interreg Europe", 1200000, "2024-09", "2026-08", "Ongoing",
     "Map surplus heat of member plants and match it with district heating networks",
     "Anna Forsberg"],
    ["Battery Metals Scouting", "KB-ILL-2025-31", "Bergslagens Metallåtervinning AB",
     "Horizon Europe", 2800000, "2025-03", "2027-02", "Planned",
     "Scout old mine waste heaps for cobalt and nickel that can be recovered", "David Ström"],
]
