"""Issue 11 by class: the everyday and clinician wording of history, scope, passed and someone else's
messages reaches the right answer, and a red flag told the same way is still one."""

from __future__ import annotations

import pytest

from bot.answers import AnswerEngine
from tests.answers.test_answer_quality import speaks_of


@pytest.fixture(scope="module")
def engine() -> AnswerEngine:
    return AnswerEngine.load()


@pytest.mark.parametrize(
    "text",
    [
        "I had a blood clot in my lung a while back, treated, now off the thinners. Is a massage alright?",
        "Previous DVT right leg 2016, fully treated. Does that rule out leg massage?",
        "I had a vertebral artery dissection a long time ago. Is neck manipulation off the table for me?",
        "Hx of TIA 2014, full recovery. Cleared for spinal manipulation?",
        "My mother had a stroke years ago and has recovered. Can she have a gentle massage?",
        "my MRI last summer came back normal after the numbness scare. fine to keep coming for adjustments?",
        "had a brain bleed years ago, recovered fully. how do I let the chiropractor know?",
    ],
)
def test_settled_history_gets_the_history_answer(engine: AnswerEngine, text: str) -> None:
    got = engine.answer(text)
    assert (got.urgency, got.topic) == ("routine", "history")


@pytest.mark.parametrize(
    "text",
    [
        "is chiropractic appropriate for someone with lupus?",
        "Pt with lumbar fusion L5-S1, is HVLA contraindicated or mobilisation only?",
        "I have a spinal cord stimulator, can I keep coming for adjustments?",
        "is it ok to get a massage during radiotherapy?",
        "can I have a massage if I have a metal plate in my ankle?",
        "my doctor says I have stenosis, is adjusting my neck a good idea?",
        "do your therapists use gloves? I have a latex allergy",
        "I'm allergic to arnica, is your massage cream ok for me?",
        "will massage make my fibromyalgia worse?",
        "my sister is pregnant, can she still come for her massages?",
    ],
)
def test_scope_questions_in_clinician_and_everyday_words(engine: AnswerEngine, text: str) -> None:
    got = engine.answer(text)
    assert (got.urgency, got.topic) == ("routine", "scope")


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        # passed, told after "but" or "gone by the time ...": usual
        ("my fingers tingled during the session but stopped right after. normal?", 20, "routine"),
        ("some tingling in my hand during the session, gone by the time I got home", 6, "routine"),
        ("pins and needles in my foot since the session, still there this morning", 20, "urgent"),
        # "X and Y are fine" denies both
        ("itchy hives on my arms after the oil, my lips and breathing are fine", 3, "urgent"),
        ("itchy hives on my arms after the oil and my lips feel tingly", 3, "emergency"),
        (
            "calf swollen and hot, it hurts to stand, I can breathe perfectly well and my heart is calm",
            30,
            "urgent",
        ),
        ("my calf is swollen and hot and my heart hurts", 30, "emergency"),
        # "very" must qualify the dizziness itself; a brief dizzy spell on standing that passed is usual
        ("very tired after treatment and a little dizzy when I stood up fast, then it go away", 4, "routine"),
        (
            "nearly fainted standing up after the massage but sat down and was fine after a minute",
            2,
            "routine",
        ),
        ("I'm really dizzy since the massage", 5, "urgent"),
        ("dizzy since the session and it's really bad", 5, "urgent"),
        # an infection named elsewhere, asked about, is not an infected treated area
        ("can chiropractic fix my son's ear infections?", None, "routine"),
        ("the spot she massaged is red, hot and swollen, looks infected", 30, "urgent"),
    ],
)
def test_passed_denied_and_asked_about_signs(
    engine: AnswerEngine, text: str, hours: float | None, urgency: str
) -> None:
    assert engine.answer(text, hours).urgency == urgency


@pytest.mark.parametrize(
    ("text", "pronoun"),
    [
        ("mums calf is swollen and warm since her massage, breathing fine", "her"),
        ("hubby's face has gone droopy on one side and he can't lift his arm", "him"),
        ("my missus has hives after the oil, lips fine, breathing fine", "her"),
    ],
)
def test_a_relative_named_in_everyday_words_is_spoken_about(
    engine: AnswerEngine, text: str, pronoun: str
) -> None:
    reply = engine.answer(text).reply
    assert pronoun in reply.split() or f"{pronoun}." in reply or f"{pronoun}," in reply
    assert "Call 911 now" not in reply or "for him" in reply or "for her" in reply


@pytest.mark.parametrize(
    "text",
    [
        "can massage help carpal tunnel? my hands go numb at night",
        "I have diabetic neuropathy, my feet are always numb, is a foot massage safe?",
        "my arthritis makes my knees swell, can massage help?",
        "I get hives from some soaps, is your massage oil ok for sensitive skin?",
    ],
)
def test_a_known_condition_asked_about_is_a_scope_question(engine: AnswerEngine, text: str) -> None:
    got = engine.answer(text)
    assert (got.urgency, got.topic) == ("routine", "scope")


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        (
            "I have carpal tunnel but since the adjustment my whole hand is numb and weak",
            "urgent.limb_numbness",
        ),
        ("I have MS and my arm is newly numb", "urgent.limb_numbness"),
        ("my neuropathy is usually just my feet but now my right arm is tingling", "urgent.limb_numbness"),
        ("I have neuropathy in my feet, but my left hand has gone numb", "urgent.limb_numbness"),
        ("I have arthritis and my knee is red, hot and swollen", "urgent.infection_signs"),
        ("my arthritic knee has swollen up since the massage", "urgent.infection_signs"),
        (
            "hives on my arms, I use a new soap but I think it's the massage oil from yesterday",
            "urgent.skin_reaction",
        ),
    ],
)
def test_a_known_condition_never_hides_a_new_sign(engine: AnswerEngine, text: str, rule_id: str) -> None:
    assert engine.answer(text).rule == rule_id


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        (
            "my pee is brownish and my thighs are swollen and so weak after the deep tissue",
            "emergency.muscle_breakdown",
        ),
        (
            "reddish urine and my arms are swollen and agony after the massage gun",
            "emergency.muscle_breakdown",
        ),
    ],
)
def test_dark_urine_in_approximate_words_with_muscle_signs(
    engine: AnswerEngine, text: str, rule_id: str
) -> None:
    assert engine.answer(text, 30).rule == rule_id


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        (
            "red itchy blotches came up on my chest from the oil, no swelling of my lips",
            "urgent.skin_reaction",
        ),
        ("my arms are itchy and bumpy after the lotion", "urgent.skin_reaction"),
        ("hives and my throat is itchy", "emergency.allergic_reaction"),
    ],
)
def test_a_rash_on_the_chest_is_not_a_tight_chest(engine: AnswerEngine, text: str, rule_id: str) -> None:
    assert engine.answer(text, 3).rule == rule_id


# Issue 11 item 5: a 911 reply names what the patient reported, never a list of signs they did not tell.
@pytest.mark.parametrize(
    ("text", "named", "not_named"),
    [
        ("my dad's face is drooping on one side since his massage", "face that droops", "speaking"),
        ("my words are coming out all wrong since this morning", "Trouble speaking", "face"),
        ("I suddenly lost the vision in my left eye", "change in sight", "speaking"),
        ("my right leg suddenly went dead and floppy", "arm or leg", "face"),
        ("worst headache of my life came on out of nowhere", "severe headache", "face"),
        ("since my neck adjustment I keep throwing up and my head is pounding", "Vomiting", "sight"),
        ("hives all over and my lips are swelling up", "Swelling in the face, mouth or throat", "Trouble"),
        ("I can't feel anything when I wipe since the adjustment", "between the legs", "urine"),
        ("since the adjustment I can't pee at all", "passing or holding urine", "between the legs"),
    ],
)
def test_an_emergency_reply_names_what_was_reported(
    engine: AnswerEngine, text: str, named: str, not_named: str
) -> None:
    got = engine.answer(text, 4)
    assert got.urgency == "emergency", (text, got.rule)
    first = got.reply.split("\n")[0]
    assert named in first and not_named not in first, first


def test_a_named_reply_speaks_of_the_other_person_and_falls_back_when_nothing_is_named(
    engine: AnswerEngine,
) -> None:
    got = engine.answer("my wife's mouth is drooping and she can't find her words", 4)
    assert "for her now" in got.reply and "face that droops" in got.reply
    # "I think I'm having a stroke" names no sign: the rule's general reason stays.
    assert "can be signs of a stroke" in engine.answer("I think I'm having a stroke", 4).reply


def test_spanish_named_reasons_are_in_spanish() -> None:
    spanish = AnswerEngine.load(language="es")
    reply = spanish.answer("se me cayó la cara de un lado", 4).reply
    assert "Una cara que se cae" in reply


@pytest.mark.parametrize(
    ("text", "urgency"),
    [
        # a high slash score that a later, lower one told as now has replaced is the past
        (
            "the soreness from monday was 7/10 tuesday, now its more like 3/10. guess thats it better?",
            "routine",
        ),
        ("it was 8/10 last night, down to 3/10 today", "routine"),
        # ... but not when the high one is the one told as now, or nothing lower came after
        ("9/10 now, was 3/10 yesterday", "urgent"),
        ("pain is 9/10", "urgent"),
        ("it was 9/10, now 8/10", "urgent"),
    ],
)
def test_a_high_score_since_eased_is_the_past(engine: AnswerEngine, text: str, urgency: str) -> None:
    assert engine.answer(text, 50).urgency == urgency


# Round 24 (complaints, health anxiety, headache sufferers, long stories), in the project's own words.
@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        # an onset "within minutes" is no passing
        (
            "lips and eyes swelling, hives too, came on within minutes of the oil",
            1,
            "emergency.allergic_reaction",
        ),
        ("hives started within minutes of the massage", 1, "urgent.skin_reaction"),
        # "not helping:" negates nothing after it
        (
            "drinking loads but it's not helping: pee still the colour of cola and my thighs are swollen",
            30,
            "emergency.muscle_breakdown",
        ),
        # a slow start to peeing, in everyday words
        ("I have trouble peeing since the adjustment", 24, "emergency.cauda_equina"),
        ("it takes ages to get my wee going since yesterday's session", 24, "emergency.cauda_equina"),
        ("numb when I wiped after the toilet this morning", 20, "emergency.cauda_equina"),
        # dizziness with a hand or an arm that goes numb, weak or clumsy
        ("the room is spinning and I can't feel my right hand", 5, "emergency.dizziness_with_other_signs"),
        (
            "giddy since lunch and now my left hand is clumsy with buttons",
            6,
            "emergency.dizziness_with_other_signs",
        ),
        # half the sight gone; losing track of one's words; a headache that came on in seconds
        ("she has lost the left half of what she can see", 10, "emergency.stroke_signs"),
        ("I keep losing track of what I'm saying since the adjustment", 4, "emergency.stroke_signs"),
        ("I get migraines but this headache came on in seconds", 8, "emergency.stroke_signs"),
        # an ease told first, a constant headache told after it
        (
            "my usual headaches eased after the session. but now I've had a constant headache for two days "
            "since the neck adjustment",
            50,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("thinking of throwing myself under a train", None, "emergency.self_harm"),
    ],
)
def test_round_24_red_flags(engine: AnswerEngine, text: str, hours: float | None, rule_id: str) -> None:
    assert engine.answer(text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("read about clots online and now I can't stop thinking about it. calves ache, not swollen", 26),
        ("my wee went pink after beetroot, had a mini heart attack lol. back is fine", 20),
        ("I've had health anxiety since my mum's heart attack. can massage help me relax?", None),
        (
            "my usual panic attack yesterday, tight chest and racing heart, over in 5 minutes once I calmed "
            "down. GP has checked me",
            30,
        ),
        ("note for the new therapist: heart attack in 2012, stents, cardiologist happy, nothing since", None),
        (
            "Since my last visit two years ago I had a fall and fractured my wrist, "
            "out of the cast since March, physio discharged me. Ok to massage?",
            None,
        ),
        (
            "Two years ago I had a DVT after my long flight, treated with thinners for six months, all clear "
            "since. Is leg massage ok?",
            None,
        ),
        ("should I cut out red wine and cheese for my migraines?", None),
        ("I went back to the office under terrible lights. Mild headache by bedtime, gone this morning", 20),
        ("my chest wall is tight from the radiotherapy. can the therapist work near the scar?", None),
        ("I have MS, stable on my injections. I read heat can make symptoms worse, avoid hot stones?", None),
        ("can I run tomorrow or will that make my calves worse?", 20),
        ("after a double shift I looked at the bruise from the massage, it is fading", 20),
        ("I've always had trouble getting my wee started, my urologist says it's my prostate", 24),
    ],
)
def test_round_24_reading(engine: AnswerEngine, text: str, hours: float | None) -> None:
    got = engine.answer(text, hours)
    assert got.urgency == "routine", (text, got.rule)


def test_a_rash_with_every_911_sign_denied_is_urgent(engine: AnswerEngine) -> None:
    text = (
        "itchy red rash on my back. I can breathe and swallow no problem, I don't feel faint. "
        "I checked and my lips, face and tongue are all normal"
    )
    assert engine.answer(text, 10).rule == "urgent.skin_reaction"


# Round 25 (knocks and falls, many medicines, phone typing, advice already taken), in the project's words.
@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        ("cant stop thinkin about endin it tonite", None, "emergency.self_harm"),
        ("fell off my bike, my wife says I keep asking the same questions", 20, "emergency.sudden_confusion"),
        (
            "bumped my head getting in the car and can't remember how I got home",
            20,
            "emergency.sudden_confusion",
        ),
        (
            "the tingling came back but now it's my whole right side, face arm and leg",
            10,
            "emergency.stroke_signs",
        ),
        (
            "on apixaban, had a nosebleed this morning, stopped after 15 minutes",
            20,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
        (
            "my wee has gone pink since the massage, I take warfarin",
            30,
            "urgent.bruise_large_or_on_blood_thinners",
        ),
        (
            "my head has ached for three days straight since the neck adjustment",
            72,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("day 3 worse not better", 72, "urgent.pain_severe_or_worsening"),
        ("tinkling in my left hand since the session and its stil there", 26, "urgent.limb_numbness"),
        ("itchy nettle rash after the cold spray", 3, "urgent.skin_reaction"),
        (
            "the chemist said it's dermatitis from the cream, now it's blistering and spreading",
            30,
            "urgent.skin_reaction",
        ),
    ],
)
def test_round_25_red_flags(engine: AnswerEngine, text: str, hours: float | None, rule_id: str) -> None:
    assert engine.answer(text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("missed the bottom step this morning, my hip feels like it's not there", 26),
        (
            "diabetic neuropathy, so my feet are numb and I can't feel much in them. is a foot massage ok?",
            None,
        ),
        ("numbness in both toes for a few years now, my podiatrist says it's stable. reflexology ok?", None),
        ("had flu last week with a temperature, all clear now, no fever for 4 days. ok to come Monday?", 200),
        ("my back ached more last night but it's easing off this morning", 18),
        (
            "my gran asked how much to drink after her massage, her friend says drink loads "
            "or she'll feel poorly",
            2,
        ),
        (
            "had a clot in my leg in 2019, treated, all clear since. leg massage ok? "
            "just checking since I'm booked for the full body one",
            None,
        ),
        (
            "I've taken ibuprofen most days since the cycling accident a few years back. "
            "fine around sessions?",
            48,
        ),
        ("fingers went fizzy for a few seconds after the adjustment, it went away rite after", 3),
        ("sore day 1, worse day 2, now day 3 way better, almost gone", 70),
    ],
)
def test_round_25_reading(engine: AnswerEngine, text: str, hours: float | None) -> None:
    got = engine.answer(text, hours)
    assert got.urgency == "routine", (text, got.rule)


# Round 26 (fevers and rashes, nights, drivers, mixed-language English): the misses of urgent or worse.
@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        ("my jaw and left arm are paining me and I feel pukey", 5, "emergency.chest_pain"),
        (
            "dizzy since the adjustment and now the lines on the road are looking doubled",
            4,
            "emergency.stroke_signs",
        ),
        ("itchy rash from the oil and I can barely swallow", 1, "emergency.allergic_reaction"),
        ("had a mini stroke in 2018, today it is the same feeling in my hand", 6, "emergency.stroke_signs"),
        ("red bumpy skin where the kinesio tape was", 20, "urgent.skin_reaction"),
        ("the place you massaged is hot, red and swollen today", 24, "urgent.infection_signs"),
        ("worse now than the first day, 3 days on", 72, "urgent.pain_severe_or_worsening"),
        ("my leg has been buzzing since the adjustment yesterday", 30, "urgent.limb_numbness"),
        (
            "you said it would be gone in a day but the headache is still there "
            "after 2 days since the neck work",
            50,
            "urgent.headache_or_dizziness_lasting",
        ),
    ],
)
def test_round_26_red_flags(engine: AnswerEngine, text: str, hours: float | None, rule_id: str) -> None:
    assert engine.answer(text, hours).rule == rule_id, text


def test_a_grandmother_named_in_another_language_is_spoken_of(engine: AnswerEngine) -> None:
    got = engine.answer("my abuela can't hold her pee since her massage and both legs are numb", 7)
    assert got.urgency == "emergency"
    assert speaks_of(got.reply, "she"), got.reply


# Rounds 27 and 28 (older patients, athletes, families, terse writers; clinicians, English as a second
# language, replies to check-ins, long-term conditions): each a class the engine missed.
@pytest.mark.parametrize(
    ("text", "hours", "rule_id"),
    [
        ("since lunch my left hand can't grip anything, neck done this morning", 5, "emergency.stroke_signs"),
        ("my husband can't lift his right arm since his nap", 4, "emergency.stroke_signs"),
        ("right leg went heavy and weak about 10 min ago", 30, "emergency.stroke_signs"),
        ("when she smiles the right side of her mouth is going down", 6, "emergency.stroke_signs"),
        ("since an hour I see everything two times", 3, "emergency.stroke_signs"),
        ("suddenly half the screen is missing when I read", 20, "emergency.stroke_signs"),
        ("my dad speaks funny since the adjustment", 3, "emergency.stroke_signs"),
        (
            "headache since the neck adjustment and now my left hand is clumsy",
            8,
            "emergency.neck_artery_warning",
        ),
        (
            "new sharp pain 1 side of my neck since the adjustment, worst ever",
            20,
            "emergency.neck_artery_warning",
        ),
        (
            "not pain exactly, but it's gone tight and heavy and I'm sweaty and a bit sick, my chest I mean",
            2,
            "emergency.chest_pain",
        ),
        ("fever 39 and I can't bend my head forward", 40, "emergency.fever_with_stiff_neck"),
        ("hives after the oil and now he breathes with a whistle", 1, "emergency.allergic_reaction"),
        ("my wee is tea coloured, muscles just sore like normal, not swollen", 30, "urgent.dark_urine"),
        ("my calf is more thick than the other one since the massage", 40, "urgent.possible_clot"),
        ("is it ok to have the massage tomorrow if my calf is swollen and hot?", 40, "urgent.possible_clot"),
        ("the scratch from the ring has gone pussy, warm to touch", 48, "urgent.infection_signs"),
        (
            "headache since the neck work 2 days, thought it'd go, still here today",
            50,
            "urgent.headache_or_dizziness_lasting",
        ),
        ("old disc problem fine for years, now 1 leg nb since the adjustment", 20, "urgent.limb_numbness"),
        (
            "had a TIA years ago, all cleared, dizzy since the neck adjustment 2 days",
            50,
            "urgent.headache_or_dizziness_lasting",
        ),
    ],
)
def test_rounds_27_and_28_red_flags(
    engine: AnswerEngine, text: str, hours: float | None, rule_id: str
) -> None:
    assert engine.answer(text, hours).rule == rule_id, text


@pytest.mark.parametrize(
    ("text", "hours", "urgency"),
    [
        # rounds 27 and 28
        ("rash on my arms, kinda itchy. Nothing in my mouth or lips is swollen", 4, "urgent"),
        ("arm still tingly on day 2, face normal, talking normal", 50, "urgent"),
        ("my wee is brown like tea but the muscles are the normal amount of sore", 30, "urgent"),
        ("my ribs are tender to touch where she worked, not when I breathe, no tightness", 20, "routine"),
        ("can you stop the reminder at 6am? it wakes me up", None, "routine"),
        ("I still take rivaroxaban after my clot in 2019. paracetamol ok for the soreness?", 20, "routine"),
        ("broke my wrist as a kid, healed fine. ok to massage my forearm?", None, "routine"),
        ("both ankles a bit puffy by the evening, like all pregnancy, both sides the same", None, "routine"),
        ("day 3 and it's loads better, still a bit tender", 70, "routine"),
        (
            "my neuropathy feet buzzed a bit more last night, they're back to their normal level now",
            20,
            "routine",
        ),
        ("my wife's back is sore. it's her usual CFS crash after activity, nothing swollen", 20, "routine"),
        # round 29 (anxious writers, writing from work, regional English, old problems next to new ones)
        ("this morning after the neck adjustment my right arm went weak and clumsy", 4, "emergency"),
        ("my left hand went weak for a few minutes at my desk, fine now, neck done today", 5, "emergency"),
        ("rash from the lotion and now my cheeks are swelling", 2, "emergency"),
        ("ma legs are that sair I cannae walk right and my pee is like strong tea", 40, "emergency"),
        (
            "the dizziness from the neck adjustment came back this morning and hasn't stopped for 2 hours",
            28,
            "urgent",
        ),
        (
            "dizzy on and off since the neck adjustment 2 days ago. is it the adjustment wearing off?",
            48,
            "urgent",
        ),
        ("still having giddiness since the neck adjustment on Monday, today is Wednesday", 50, "urgent"),
        ("rashes everywhere the cream went, no swelling on my face, breathing well", 6, "urgent"),
        ("my calf is hot and bigger than the other, can't say I'm short of breath", 50, "urgent"),
        (
            "used to get tingling in my foot from an old disc, gone for years. "
            "since yesterday's session it's back",
            24,
            "urgent",
        ),
        ("fever no, rash no, breathing fine, thanks for checking", 24, "routine"),
        ("a rash from the lotion 3 weeks ago cleared in a day. can I still come back?", 500, "routine"),
        ("tingling in my arm for a second on the table, went straight away, all normal since", 30, "routine"),
        (
            "I used to be on warfarin, stopped years ago. small bruise where she worked, coin size",
            30,
            "routine",
        ),
        ("sprained my ankle at football, a bit swollen, can the chiro treat ankles?", None, "routine"),
        ("shoulders aching today but I spent the weekend painting the ceiling", 300, "routine"),
        # round 30 (lists and notes, everyday explanations, humour and corrections, numbers)
        ("for the last half hour my left hand has felt heavy and clumsy, dropped a cup", 4, "emergency"),
        ("the tingling went away, but now about an hour later my whole left arm is weak", 2, "emergency"),
        (
            "new sharp neck pain on the left only since this morning's adjustment, getting worse",
            5,
            "emergency",
        ),
        ("r leg feels draggy since the session", 4, "emergency"),
        ("hives from the oil and my lips look like I had fillers", 1, "emergency"),
        ("itchy rash from the lotion. also I nearly passed out just now", 2, "emergency"),
        ("it's gone into my jaw and down my left arm and I'm sweaty", 20, "emergency"),
        (
            "had a TIA in 2017 and it felt exactly like this: my right arm is numb, started 20 min ago",
            None,
            "emergency",
        ),
        ("the bruise was small but now it's palm sized and spreading", 70, "urgent"),
        ("calf swollen and warm but I can breathe fine", 30, "urgent"),
        ("tiny bruise, I've been off blood thinners since 2018", 24, "routine"),
        ("allergic to nuts, anaphylaxis once as a kid. does your oil have almond in it?", None, "routine"),
        ("my pee was dark after the sauna, next day totally normal", 30, "routine"),
        (
            "headache for a few hours after the neck work, faded by dinner. tips if it happens again?",
            24,
            "routine",
        ),
        # rounds 31 and 32 (other practitioners, slang, named techniques, travel; closed clinic, phone
        # typing, stress and mood, stories and hypotheticals)
        (
            "had a couple of bowel accidents today, never happened before, and my lower back is killing me",
            48,
            "emergency",
        ),
        ("this week the thoughts of not wanting to be here are back", None, "emergency"),
        (
            "my mum had a TIA in 2019 and it felt just like this: her left leg is weak, "
            "started 15 minutes ago",
            3,
            "emergency",
        ),
        ("rash from the cream and now im weasing", 2, "emergency"),
        ("my lisp r swelling after the new oil", 1, "emergency"),
        (
            "nearly passed out again just now and my heart is racing, had my legs massaged today",
            4,
            "emergency",
        ),
        ("temp of 38.6 since the massage. stiff neck? no, I can turn it fine", 20, "urgent"),
        ("day 4 and the soreness is sharper than day one", 96, "urgent"),
        ("thought it was a normal cupping mark but it's hot, spreading past the circle", 50, "urgent"),
        ("dizzy since the adjustment - 2 days now and it hasn't passed", 48, "urgent"),
        ("the headache from the massage eased but it's been back all day, day 3", 72, "urgent"),
        (
            "my dad has been lightheaded since his neck work on Monday, it's Wednesday now. will it pass?",
            48,
            "urgent",
        ),
        ("osteo porosis, stable for years. new sharp pain in my back since the adjustment", 20, "urgent"),
        ("hives - yes\nlip swelling - no\nbreathing trouble - no", 3, "urgent"),
        ("lip still numb from the dentist's injection this morning, fine to come in at 3?", None, "routine"),
        ("headache, mild, nowhere near the worst ever, probably the long drive", 8, "routine"),
        ("worst headache of your life? nope lol, just a dull one after the massage", 6, "routine"),
        ("pins and needles in my hand for a minute after the session, went away in the car", 3, "routine"),
        ("what would happen if I was still sore after a week? I'm not, just asking", None, "routine"),
        ("saw a tiktok of someone's neck getting cracked super hard, is that what you do?", None, "routine"),
        (
            "his pee is dark like cola and his thighs are swollen, his trainer says it's normal soreness",
            40,
            "emergency",
        ),
    ],
)
def test_rounds_27_to_32_reading(engine: AnswerEngine, text: str, hours: float | None, urgency: str) -> None:
    got = engine.answer(text, hours)
    assert got.urgency == urgency, (text, got.rule)


def test_a_dentists_numbing_explains_a_numb_lip_and_nothing_else(engine: AnswerEngine) -> None:
    """The numbing is read in its own clause only: another clause's sign, or numbness told "like after
    the dentist" without a visit, still counts."""
    assert engine.answer("my lip is still numb from the fillings this morning", None).urgency == "routine"
    told_after = "lip still numb from the dentist. and now my left arm is numb and heavy since 20 minutes ago"
    assert engine.answer(told_after, None).rule == "emergency.stroke_signs"
    simile = "half my face feels numb, like after the dentist, but I haven't been to one"
    assert engine.answer(simile, None).rule == "emergency.stroke_signs"
    no_visit = "I haven't been to the dentist and my lip is numb"
    assert engine.answer(no_visit, None).rule == "emergency.stroke_signs"
