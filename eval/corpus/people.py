"""Name, company and place pools for the corpus (invented combinations, varied origins)."""

from __future__ import annotations

FIRST_NAMES = (
    "Anna", "Jonas", "Lea", "Felix", "Sophie", "Maximilian", "Laura", "Paul", "Mia", "Leon",
    "Julia", "Niklas", "Katharina", "Florian", "Johanna", "Sebastian", "Clara", "Moritz",
    "Emily", "Oliver", "Charlotte", "Harry", "Amelia", "George", "Isla", "Jack", "Olivia",
    "Camille", "Louis", "Chloé", "Hugo", "Manon", "Jules", "Léa", "Mathis",
    "Sanne", "Daan", "Femke", "Bram", "Lotte", "Thijs",
    "Agnieszka", "Piotr", "Katarzyna", "Tomasz", "Magdalena",
    "Lucía", "Javier", "Carmen", "Alejandro", "Giulia", "Lorenzo", "Francesca", "Matteo",
    "Elif", "Mehmet", "Ayşe", "Emre", "Zeynep",
    "Ingrid", "Lars", "Astrid", "Henrik", "Sofia", "Mikael",
    "Aisha", "Omar", "Fatima", "Yusuf", "Ravi", "Ananya", "Arjun", "Mei", "Hiroshi", "Yuki",
    "Chinedu", "Ngozi", "Kwame", "Thandiwe", "Diego", "Valentina", "Mateus", "Beatriz",
    "Ethan", "Madison", "Tyler", "Brianna", "Connor", "Siobhan", "Declan", "Aoife",
)

LAST_NAMES = (
    "Berger", "Schäfer", "Hoffmann", "Zimmermann", "Krüger", "Hartmann", "Lange", "Werner",
    "Schmitt", "Köhler", "Neumann", "Schwarz", "Braun", "Hofmann", "Lehmann", "Fuchs", "Keller",
    "Walker", "Thompson", "Harris", "Clarke", "Robinson", "Wright", "Hughes", "Edwards",
    "Dubois", "Moreau", "Laurent", "Lefèvre", "Girard", "Fontaine", "Rousseau",
    "de Vries", "Bakker", "Visser", "Smit", "van Dijk", "Mulder",
    "Kowalski", "Nowak", "Wiśniewska", "Wójcik", "Kamiński",
    "García", "Fernández", "Romero", "Rossi", "Esposito", "Ricci", "Conti",
    "Yılmaz", "Demir", "Şahin", "Çelik", "Aydın",
    "Johansson", "Lindqvist", "Nilsen", "Hansen", "Virtanen",
    "Haddad", "Rahman", "Khan", "Patel", "Iyer", "Chen", "Tanaka", "Sato",
    "Okonkwo", "Mensah", "Dlamini", "Silva", "Pereira", "Oliveira", "Murphy", "O'Brien",
    "Kavanagh", "Novak", "Horvat", "Popescu", "Ionescu",
)

# Customer organizations of the vendor (the SENDERS' companies): name, domain, address.
ORGS = (
    ("Nordwind Outdoor GmbH", "nordwind-outdoor.de", "Am Sandtorkai 41", "20457 Hamburg", "Germany"),
    ("Bellacasa Interiors S.r.l.", "bellacasa-interiors.it", "Via Tortona 27", "20144 Milano", "Italy"),
    ("Hollis & Grey Ltd", "hollisgrey.co.uk", "14 Hanover Street", "Edinburgh EH2 2EN", "United Kingdom"),
    ("Maison Lumière SAS", "maison-lumiere.fr", "18 Rue du Faubourg Saint-Antoine", "75012 Paris", "France"),
    ("Fietsfabriek B.V.", "fietsfabriek.nl", "Keizersgracht 221", "1016 DV Amsterdam", "Netherlands"),
    ("Alpenkind AG", "alpenkind.ch", "Seefeldstrasse 88", "8008 Zürich", "Switzerland"),
    ("Kaffeerösterei Südhang GmbH", "suedhang-kaffee.de", "Hauptstraße 12", "79098 Freiburg", "Germany"),
    ("Urban Thread Co.", "urbanthread.com", "500 Brannan Street, Suite 300", "San Francisco, CA 94107", "USA"),
    ("Polar Gear Oy", "polargear.fi", "Mannerheimintie 14", "00100 Helsinki", "Finland"),
    ("Vinoteca Ribera S.L.", "vinotecaribera.es", "Calle de Serrano 41", "28001 Madrid", "Spain"),
    ("Bücherwurm Medien GmbH", "buecherwurm-medien.de", "Königstraße 26", "70173 Stuttgart", "Germany"),
    ("Kidsplay Toys Sp. z o.o.", "kidsplay.pl", "ul. Marszałkowska 104", "00-017 Warszawa", "Poland"),
    ("Greenleaf Cosmetics AB", "greenleaf-cosmetics.se", "Sveavägen 44", "111 34 Stockholm", "Sweden"),
    ("Trailhead Sports Inc.", "trailheadsports.com", "1200 Pine Street", "Seattle, WA 98101", "USA"),
    ("Atelier Nova GmbH", "atelier-nova.at", "Mariahilfer Straße 77", "1060 Wien", "Austria"),
    ("Hausgold Elektro GmbH", "hausgold-elektro.de", "Friedrichstraße 68", "10117 Berlin", "Germany"),
    ("BrewBox Ltd", "brewbox.ie", "22 Grand Canal Quay", "Dublin D02 FX80", "Ireland"),
    ("Pedal & Co. ApS", "pedalco.dk", "Vesterbrogade 32", "1620 København V", "Denmark"),
)

TITLES = (
    "Head of E-Commerce", "Frontend Developer", "Senior Software Engineer", "Tech Lead Storefront",
    "Product Owner Webshop", "DevOps Engineer", "IT Operations Manager", "CTO",
    "Digital Project Manager", "E-Commerce Manager", "Solution Architect", "Platform Engineer",
    "Backend Developer", "QA Engineer", "Head of Digital",
)

# Consumer mail providers: where end customers (third parties) have their addresses.
CONSUMER_DOMAINS = (
    "gmail.com", "web.de", "gmx.de", "gmx.net", "t-online.de", "outlook.com", "hotmail.com",
    "yahoo.co.uk", "icloud.com", "orange.fr", "free.fr", "libero.it", "ziggo.nl", "wp.pl",
    "bluewin.ch", "hotmail.fr", "posteo.de", "proton.me", "btinternet.com", "aol.com",
)

# Street/city pools for third-party postal addresses.
DE_STREETS = ("Lindenstraße", "Gartenweg", "Schillerstraße", "Bahnhofstraße", "Am Mühlbach",
              "Goethestraße", "Rosenweg", "Kirchplatz", "Eichendorffstraße", "Wiesenstraße")
DE_CITIES = (("80331", "München"), ("50667", "Köln"), ("04109", "Leipzig"), ("90402", "Nürnberg"),
             ("28195", "Bremen"), ("60311", "Frankfurt am Main"), ("01067", "Dresden"),
             ("48143", "Münster"), ("69117", "Heidelberg"), ("24103", "Kiel"))
UK_STREETS = ("Baker Road", "Mill Lane", "Church Street", "Victoria Avenue", "Station Road",
              "Park Crescent", "Queens Drive")
UK_CITIES = (("Leeds", "LS6 2AB"), ("Bristol", "BS8 1TH"), ("Manchester", "M14 5RT"),
             ("Leicester", "LE2 7DN"), ("Norwich", "NR2 3AQ"), ("Cardiff", "CF24 4HQ"))
FR_STREETS = ("rue de la République", "avenue Jean Jaurès", "rue Victor Hugo", "boulevard Voltaire",
              "rue des Lilas")
FR_CITIES = (("69002", "Lyon"), ("33000", "Bordeaux"), ("31000", "Toulouse"), ("44000", "Nantes"),
             ("13001", "Marseille"))
NL_STREETS = ("Dorpsstraat", "Kerkweg", "Molenstraat", "Stationsplein", "Prinsengracht")
NL_CITIES = (("3511 AB", "Utrecht"), ("2611 HE", "Delft"), ("5611 AA", "Eindhoven"), ("9711 LM", "Groningen"))
US_STREETS = ("Maple Avenue", "Oak Street", "Cedar Lane", "Elm Drive", "Sunset Boulevard", "Lakeview Road")
US_CITIES = (("Austin", "TX", "78704"), ("Denver", "CO", "80205"), ("Portland", "OR", "97214"),
             ("Columbus", "OH", "43201"), ("Raleigh", "NC", "27601"))
