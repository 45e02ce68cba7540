"""Word lists for the synthetic org: names, titles, companies, products.

Seller and prospect domains use the reserved `.example` TLD (RFC 2606), so no generated
address can reach anyone. Free-mail guests are the one exception: their domains are the real
providers' (a free-mail list has to recognise them), with synthetic local parts, and the
sandbox never sends mail.
"""

from __future__ import annotations

__all__ = [
    "COMPETITORS",
    "CUSTOMER_TITLES",
    "EMAIL_TAGS",
    "FIRST_NAMES",
    "FREE_MAIL_DOMAINS",
    "INTEGRATIONS",
    "LAST_NAMES",
    "MANAGER_TITLES",
    "PROSPECTS",
    "REGIONS",
    "REP_TITLES",
    "SELLER_DOMAIN",
    "SELLER_NAME",
    "SELLER_PRODUCT",
    "TEAM_NAMES",
]

SELLER_NAME = "Brightwave"
SELLER_DOMAIN = "brightwave.example"
SELLER_PRODUCT = "Brightwave Insights"

FIRST_NAMES = (
    "Dana", "Marcus", "Priya", "Elena", "Tomás", "Aisha", "Jonah", "Mei", "Rafael", "Chloe",
    "Kwame", "Sofia", "Liam", "Hana", "Diego", "Nora", "Oliver", "Amara", "Felix", "Yuki",
    "Gabriel", "Leah", "Omar", "Ingrid", "Mateo", "Zara", "Henrik", "Camila", "Ravi", "Julia",
    "Samuel", "Noor", "Lucas", "Ava", "Kenji", "Isabel", "Theo", "Fatima", "Nikolai", "Grace",
    "Andre", "Maya", "Victor", "Lena", "Caleb", "Rosa", "Elias", "Tara", "Hugo", "Mira",
)  # fmt: skip

LAST_NAMES = (
    "Whitfield", "Okafor", "Raman", "Petrova", "Alvarez", "Bello", "Fischer", "Chen", "Moreau",
    "Lindqvist", "Mensah", "Rossi", "Gallagher", "Tanaka", "Herrera", "Novak", "Brennan",
    "Adeyemi", "Kowalski", "Sato", "Duarte", "Hoffman", "Nakamura", "Quinn", "Varga", "Osei",
    "Lambert", "Castillo", "Iyer", "Dubois", "Keller", "Haddad", "Svensson", "Park", "Romero",
    "Becker", "Yilmaz", "O'Connor", "Ferreira", "Kim", "Larsen", "Mbeki", "Santos", "Wright",
)  # fmt: skip

REP_TITLES = (
    "Account Executive",
    "Senior Account Executive",
    "Enterprise Account Executive",
    "Sales Development Representative",
    "Solutions Engineer",
)
# The first manager is the director the other managers report to.
MANAGER_TITLES = ("Regional Sales Director", "Sales Manager", "Head of Mid-Market Sales")

TEAM_NAMES = (
    "Enterprise West",
    "Mid-Market East",
    "SMB Velocity",
    "Strategic Accounts",
    "EMEA Growth",
    "Public Sector",
)

CUSTOMER_TITLES = (
    "VP of Sales",
    "Director of Revenue Operations",
    "Head of Customer Success",
    "Sales Enablement Manager",
    "Chief Revenue Officer",
    "IT Director",
    "Procurement Manager",
    "Senior Data Analyst",
    "VP of Marketing",
    "Security Engineer",
    "Operations Manager",
    "CFO",
)

# (company name, domain stem, industry)
PROSPECTS = (
    ("Globex Logistics", "globex", "Logistics"),
    ("Initech Software", "initech", "Software"),
    ("Umbrella Health", "umbrellahealth", "Healthcare"),
    ("Stark Manufacturing", "starkmfg", "Manufacturing"),
    ("Wayne Financial", "waynefinancial", "Financial Services"),
    ("Hooli Cloud", "hooli", "Software"),
    ("Vandelay Imports", "vandelay", "Wholesale"),
    ("Soylent Foods", "soylent", "Food & Beverage"),
    ("Cyberdyne Robotics", "cyberdyne", "Robotics"),
    ("Tyrell Biotech", "tyrellbio", "Biotech"),
    ("Wonka Confections", "wonka", "Food & Beverage"),
    ("Oscorp Energy", "oscorp", "Energy"),
    ("Pied Piper Data", "piedpiper", "Software"),
    ("Massive Dynamic", "massivedynamic", "Research"),
    ("Aperture Labs", "aperture", "Research"),
    ("Gringotts Lending", "gringotts", "Financial Services"),
    ("Monarch Retail", "monarchretail", "Retail"),
    ("Bluth Properties", "bluth", "Real Estate"),
    ("Dunder Paper", "dunderpaper", "Wholesale"),
    ("Nakatomi Trading", "nakatomi", "Trading"),
    ("Prestige Worldwide", "prestigeww", "Media"),
    ("Sterling Cooper Agency", "sterlingcooper", "Advertising"),
    ("Acme Freight", "acmefreight", "Logistics"),
    ("Zorin Mining", "zorin", "Mining"),
)

# Where some prospects' people sit: `eu.globex.example` is a subdomain of `globex.example`.
REGIONS = ("eu", "us", "apac")
FREE_MAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.com")
# `+tag` suffixes some guests' calendars add to the local part.
EMAIL_TAGS = ("chorus", "sales", "calendar")

COMPETITORS = ("Gong", "Clari", "Salesloft", "Outreach", "Avoma", "Fireflies")
INTEGRATIONS = ("Salesforce", "HubSpot", "Slack", "Zoom", "Microsoft Teams", "Snowflake")
