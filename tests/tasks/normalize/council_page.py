"""The article body and URL the title and byline golden tests wrap in page markup of their own."""

BODY = "".join(
    f"<p>{text}</p>"
    for text in (
        "The city council voted on Tuesday evening to approve a new budget for public transport, "
        "ending months of debate between the mayor and the opposition over fares and routes.",
        "Under the plan, bus fares will stay frozen for two years while the tram network is extended "
        "to three districts in the north of the city that have long complained of poor service.",
    )
)
URL = "https://news.example.org/politics/council-budget"
