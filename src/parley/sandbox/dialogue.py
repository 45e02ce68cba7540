"""Filler lines for synthetic calls, by phase and speaker role, and summary phrasing.

Filler lines avoid every tracker keyword so tracker mentions come only from tracker lines.
"""

from __future__ import annotations

__all__ = [
    "ACTION_ITEMS",
    "BACKCHANNEL",
    "CLOSING",
    "DEMO",
    "DIALER_GREETING",
    "DIALER_OPENING",
    "DISCOVERY",
    "FOREIGN",
    "GREETING",
    "OPENING",
    "SETTLERS",
    "SUMMARY_TOPICS",
    "UNKNOWN_LINES",
]

# The owner's first words, then each phase's (rep lines, customer lines).
GREETING = "Hi everyone, thanks for making the time today."
DIALER_GREETING = "Hi {guest}, this is {rep} from {seller}. Did I catch you at a bad time?"

OPENING = (
    (
        "Good to see you again, {guest}. How was the conference?",
        "Before we start, is it okay if I record this call for my notes?",
        "I have us down for {minutes} minutes, does that still work?",
        "Let me quickly share my screen so we are looking at the same thing.",
        "I thought we could start with where things stand on your side.",
    ),
    (
        "Thanks for having us, happy to be here.",
        "Sure, recording is fine with us.",
        "We have a hard stop at the top of the hour, just so you know.",
        "It was busy, but it is good to be back at a desk.",
        "Yes, {minutes} minutes works for me.",
        "{guest2} from my team may join next time, they run the day to day.",
    ),
)

DISCOVERY = (
    (
        "How is the team handling call reviews today?",
        "What made you start looking at this now?",
        "Who else is involved when you evaluate a tool like this?",
        "How many reps are on the {team} team right now?",
        "What does a great quarter look like for you?",
        "Where do deals usually stall in your process?",
        "How do managers coach the new hires at the moment?",
        "Can you tell me more about how forecasting works on your side?",
        "What tools does the team use day to day?",
        "How do you measure ramp time for a new hire?",
        "Which metrics does leadership look at every week?",
        "What happened the last time you rolled out something new to the reps?",
        "How are handoffs between sales and customer success working?",
        "If you could fix one thing this quarter, what would it be?",
        "How many calls does a typical rep run in a week?",
        "That is really common for teams your size.",
        "We hear that a lot, especially after a hiring push.",
        "Makes sense, that matches what I saw on your website.",
        "Got it, that is helpful context.",
        "Interesting, that is exactly the gap we focus on.",
        "Okay, so coaching time is the real constraint.",
    ),
    (
        "Right now managers listen to a few calls a week, and that is about it.",
        "We grew from twenty to about {seats} reps this year, so ramp time is a problem.",
        "Most of our deals stall after the first demo, and we do not know why.",
        "Forecast calls are basically gut feel at this point.",
        "Our CRO wants every manager to coach from real conversations.",
        "We tried spreadsheets for this and nobody kept them up to date.",
        "The data lives in three different places and none of it connects.",
        "Onboarding takes about four months before a rep is productive.",
        "Leadership looks at win rate and average deal size, mostly.",
        "Handoffs to customer success lose a lot of context right now.",
        "Each rep runs maybe fifteen to twenty calls a week.",
        "The last rollout went badly because nobody explained the why.",
        "We want managers spending their time on the deals that matter.",
        "I would love to know what our best reps do differently.",
        "Right now all of that lives in people's heads.",
    ),
)

DEMO = (
    (
        "Here is the call library, every conversation is searchable.",
        "This view shows talk time per rep across the last thirty days.",
        "You can jump to any moment in the call from the transcript.",
        "Managers get a weekly digest of the calls worth listening to.",
        "This is the deal view, with every touchpoint on one timeline.",
        "Let me show you how a manager would leave coaching comments.",
        "The summary is written automatically a few minutes after the call.",
        "Here you can see which topics come up most often by stage.",
        "Every rep gets a private view of their own talk ratio.",
        "You can build a playlist of great discovery calls for onboarding.",
        "This is what the manager sees when a deal has gone quiet.",
        "Search works across every call, so you can look up any phrase.",
        "Let me pull up a real example from a team like yours.",
    ),
    (
        "That timeline view is really helpful.",
        "Can managers filter by team or by rep?",
        "How long does it take for a call to show up after it ends?",
        "So the reps would not have to do anything different?",
        "That looks a lot cleaner than what we have today.",
        "Can we share a clip with someone outside the team?",
        "What happens if the call is in Spanish?",
        "Makes sense.",
        "Got it.",
        "Okay, that is useful.",
        "Right, that is fair.",
        "Interesting, I had not thought about that.",
        "Can you show that view again?",
        "Who sets up the playlists, the managers or enablement?",
    ),
)

CLOSING = (
    (
        "That is everything I wanted to cover today.",
        "Does anything we covered today feel like a gap for you?",
        "Thanks again, {guest}. Talk soon.",
        "I really appreciate the candid feedback.",
    ),
    (
        "This was helpful, thank you.",
        "I think we have what we need for now.",
        "Thanks, talk soon.",
        "Great, I will loop in the rest of the team.",
    ),
)

# What a guest who barely talks says when handed the floor.
BACKCHANNEL = (
    "Okay.",
    "Sure.",
    "Right.",
    "Mm-hmm.",
    "Got it.",
    "Yes, go on.",
    "Understood.",
    "Okay, thanks.",
    "Fine by me.",
)

DIALER_OPENING = (
    (
        "I'm calling because you downloaded our guide on sales coaching last week.",
        "I only need two minutes of your time.",
    ),
    (
        "Sure, I have a couple of minutes.",
        "Oh right, I remember the download.",
        "Go ahead, what is this about?",
    ),
)

# Sentences appended so that exactly the planned turns end in a question (or do not):
# language -> (rep asks, rep tells, customer asks, customer tells).
SETTLERS = {
    "en": (
        ("Does that make sense so far?", "How does that compare to what you do today?"),
        (
            "I ask because most teams we talk to struggle with it.",
            "No rush, take your time.",
            "Curious how you think about it.",
        ),
        ("How would that work for us?", "What does onboarding look like?"),
        ("Just thinking out loud.", "That would help us a lot.", "Okay, noted."),
    ),
    "es": (
        ("¿Tiene sentido hasta aquí?",),
        ("Lo vemos con más detalle luego.",),
        ("¿Y eso cómo funcionaría para nosotros?",),
        ("Eso nos ayudaría mucho.",),
    ),
    "de": (
        ("Ist das soweit verständlich?",),
        ("Das schauen wir uns später genauer an.",),
        ("Wie würde das bei uns funktionieren?",),
        ("Das würde uns sehr helfen.",),
    ),
}

UNKNOWN_LINES = (
    "Sorry, can you hear me now?",
    "I think someone is on mute.",
    "Can everyone see the screen?",
)

FOREIGN = {
    "es": (
        (
            "Hola a todos, gracias por su tiempo hoy.",
            "¿Cómo revisa el equipo las llamadas hoy en día?",
            "Les muestro la biblioteca de llamadas.",
            "¿Qué les parece esta vista?",
            "Gracias de nuevo, hablamos pronto.",
        ),
        (
            "Gracias por la invitación.",
            "Hoy los gerentes escuchan pocas llamadas por semana.",
            "Se ve mucho más claro que lo que tenemos.",
            "¿Cuánto tarda en aparecer una llamada?",
            "Perfecto, lo comparto con el equipo.",
        ),
    ),
    "de": (
        (
            "Hallo zusammen, danke für Ihre Zeit heute.",
            "Wie prüft das Team heute die Gespräche?",
            "Ich zeige Ihnen kurz die Gesprächsbibliothek.",
            "Wie gefällt Ihnen diese Ansicht?",
            "Nochmals danke, bis bald.",
        ),
        (
            "Danke für die Einladung.",
            "Die Manager hören nur wenige Gespräche pro Woche.",
            "Das sieht viel übersichtlicher aus.",
            "Wie schnell erscheint ein Gespräch danach?",
            "Gut, ich teile das mit dem Team.",
        ),
    ),
}

# Summary sentence per tracker key, and action items a call with that tracker produces.
SUMMARY_TOPICS = {
    "pricing": "Pricing for about {seats} seats was discussed, including annual billing.",
    "competitors": "{account} is also evaluating {competitor}.",
    "next_steps": "Both sides agreed on next steps and a follow-up for {day}.",
    "objections": "{guest} raised concerns about adoption and timing.",
    "bugs": "The customer reported issues seen during the trial.",
    "integrations": "The {integration} integration is a hard requirement.",
    "security": "Security review (SOC 2, GDPR) is needed before signing.",
    "trial": "A pilot with a small group of reps was proposed.",
}

ACTION_ITEMS = {
    "pricing": "{rep} to send a pricing proposal for {seats} seats to {guest}",
    "competitors": "{rep} to share a comparison with {competitor}",
    "next_steps": "{rep} to schedule the follow-up with {account} for {day}",
    "objections": "{rep} to send adoption case studies to {guest}",
    "bugs": "{rep} to confirm the fix for the reported issue with support",
    "integrations": "{rep} to share {integration} integration docs with {guest}",
    "security": "{rep} to send the SOC 2 report and DPA to {account}",
    "trial": "{rep} to draft a pilot plan for {account}",
}
