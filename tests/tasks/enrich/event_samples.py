"""Hand-written articles for event grouping: pairs telling one event in different words, and
same-kind stories about a different event (the hard negatives that set the threshold)."""

from __future__ import annotations

# event key -> list of (story_id, day offset, text, entities)
SAME_EVENT = {
    "quake-tr": [
        ("q1", 0, "A magnitude 7.8 earthquake struck southern Turkey near Gaziantep before dawn on Monday, "
         "toppling apartment blocks and killing more than 1,200 people, Turkish officials said. Rescue "
         "teams searched the rubble in freezing rain as aftershocks rattled the region and Syria's north.",
         {"Turkey", "Gaziantep", "Syria"}),
        ("q2", 1, "Rescuers in Gaziantep dug through collapsed buildings for survivors a day after the powerful "
         "tremor, which Turkey's disaster agency put at 7.8. The death toll across the Turkish south and "
         "neighbouring Syria has passed 2,000, and hospitals are overwhelmed.",
         {"Turkey", "Gaziantep", "Syria"}),
    ],
    "clasico": [
        ("f1", 0, "Real Madrid beat Barcelona 3-1 at the Bernabeu on Sunday, with Vinicius Junior scoring twice "
         "as Carlo Ancelotti's side moved five points clear at the top of La Liga.",
         {"Real Madrid", "Barcelona", "Vinicius Junior", "Carlo Ancelotti", "La Liga"}),
        ("f2", 0, "Two goals from Vinicius Junior sank Barcelona in the Clasico. Madrid won 3-1 in front of their "
         "own fans and now lead the Spanish league by five points, Ancelotti said his team deserved it.",
         {"Barcelona", "Vinicius Junior", "Madrid", "Carlo Ancelotti"}),
    ],
    "fed": [
        ("m1", 0, "The Federal Reserve raised its benchmark interest rate by a quarter point on Wednesday, to a "
         "range of 5.25% to 5.5%, and Jerome Powell said further increases remain possible if inflation "
         "does not cool.",
         {"Federal Reserve", "Jerome Powell"}),
        ("m2", 0, "US central bankers lifted borrowing costs again, adding 25 basis points. Fed chair Jerome Powell "
         "told reporters the fight against rising prices is not over and the bank could hike once more.",
         {"Fed", "Jerome Powell", "US"}),
    ],
    "iphone": [
        ("p1", 0, "Apple unveiled the iPhone 15 at its Cupertino headquarters on Tuesday, switching the phone to a "
         "USB-C charging port and adding a titanium frame to the Pro models, which start at $999.",
         {"Apple", "Cupertino"}),
        ("p2", 1, "The new iPhone 15 range drops Apple's Lightning connector for USB-C, the company announced at "
         "its California launch event. The Pro versions get titanium casing and cost from $999.",
         {"Apple", "California"}),
    ],
}

# Same kind of story, different event: must not join the events above.
OTHER_EVENT = [
    ("q3", 0, "A strong earthquake of magnitude 6.9 shook northern Japan on Saturday, triggering a brief tsunami "
     "warning along the coast of Fukushima. No deaths were reported and the nuclear plant was unharmed.",
     {"Japan", "Fukushima"}),
    ("f3", 0, "Liverpool thrashed Chelsea 4-0 at Anfield on Saturday, with Mohamed Salah scoring a hat-trick as "
     "Jurgen Klopp's team climbed to second place in the Premier League.",
     {"Liverpool", "Chelsea", "Mohamed Salah", "Jurgen Klopp", "Premier League"}),
    ("m3", 0, "The European Central Bank left interest rates unchanged on Thursday, and Christine Lagarde said "
     "euro zone inflation was falling faster than expected.",
     {"European Central Bank", "Christine Lagarde"}),
    ("p3", 0, "Samsung launched the Galaxy S24 in San Jose, betting on artificial intelligence features such as "
     "live call translation to win buyers, with prices from $799.",
     {"Samsung", "San Jose"}),
]

UNRELATED = (
    "u1", 0, "Heavy rain and strong winds are expected across Scotland this weekend, forecasters warned, "
    "with flood alerts in place for the Highlands.", {"Scotland", "Highlands"},
)
