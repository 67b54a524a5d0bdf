"""Reply texts: the clinic's values filled in, the right wording chosen, and every reply checked at load."""

from __future__ import annotations

import html
import itertools
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Final

from bot.answers.schema import ANSWERS_FILE, MAX_REPLY_CHARS, MAX_REPLY_LINES, MIN_REPLY_LINES, Rule, Topic
from bot.answers.templates import fmt_number
from bot.content import ClinicProfile, ContentError

if TYPE_CHECKING:
    from bot.answers.loader import AnswerContent

# "Your session was {ago}": (below this many hours, wording, hours per unit); weeks beyond the last.
_AGO_STEPS: Final = (
    (1.0, "under_one_hour", 0.0),
    (1.5, "one_hour", 0.0),
    (36.0, "hours", 1.0),
    (7 * 24.0, "days", 24.0),
    (10.5 * 24, "one_week", 0.0),
)


class Replies:
    """Renders reply lines for one clinic; one per engine."""

    def __init__(self, content: AnswerContent, clinic: ClinicProfile) -> None:
        self._c = content
        self._clinic = clinic
        self.values = self._base_values()

    def _base_values(self) -> dict[str, str]:
        c, clinic, t = self._c, self._clinic, self._c.thresholds
        hours_line = (
            c.hours_known.format(hours=html.escape("; ".join(clinic.hours)))
            if clinic.hours
            else c.hours_unknown
        )
        booking_line = (
            c.booking_online.format(booking_url=html.escape(clinic.booking_url))
            if clinic.booking_url.strip()
            else c.booking_phone_only
        )
        values = {
            "clinic_name": html.escape(clinic.name),
            "clinic_phone": html.escape(clinic.phone),
            "clinic_address": html.escape(clinic.address),
            "sore_expect_low": fmt_number(t.sore_low),
            "sore_expect_high": fmt_number(t.sore_high),
            "not_easing_hours": fmt_number(t.not_easing),
            "headache_hours": fmt_number(t.headache_hours),
            "fever_f": fmt_number(t.fever_f),
            "fever_c": fmt_number(t.fever_c),
        }
        values["hours_line"] = hours_line.format_map(values) if "{" in hours_line else hours_line
        values["booking_line"] = booking_line.format_map(values) if "{" in booking_line else booking_line
        return values

    def render(self, lines: Iterable[str], extra: Mapping[str, str]) -> str:
        values = {**self.values, **extra}
        out = [" ".join(line.format_map(values).split()) for line in lines]
        return "\n".join(line for line in out if line)

    def ago(self, hours: float) -> str:
        ago = self._c.ago
        for below, key, unit in _AGO_STEPS:
            if hours < below:
                return ago[key].format(n=round(hours / unit)) if unit else ago[key]
        return ago["weeks"].format(n=round(hours / (7 * 24)))

    def red_flag_lines(self, rule: Rule) -> tuple[str, ...]:
        c = self._c
        return rule.reply_lines or (c.emergency_lines if rule.urgency == "emergency" else c.urgent_lines)

    def red_flag(self, rule: Rule, person: str | None = None, why: str | None = None) -> str:
        """The reply for a red flag; about someone else ("he", "she", "they") when the message is;
        `why` names what was reported when the rule can (Triage.named_why)."""
        extra = {
            "why": (why or rule.why).format_map(self.values),
            "call_911_if": rule.call_911_if.format_map(self.values),
        }
        lang, c = self._c.language, self._c
        if rule.reply_lines:  # a rule's own reply names the person by {they}, {them}... ("they" if unsure)
            return self.render(rule.reply_lines, {**extra, **lang.pronouns[person or "they"]})
        if person is None:
            return self.render(self.red_flag_lines(rule), extra)
        extra = {key: lang.third_person(text, person) for key, text in extra.items()}
        extra.update(lang.pronouns[person])
        lines = c.emergency_other_lines if rule.urgency == "emergency" else c.urgent_other_lines
        return self.render(lines, extra)

    def topic_lines(self, topic: Topic, body: Iterable[str], first: str | None = None) -> list[str]:
        """A topic's reply: an optional first line (soreness phase, session line), the body, the
        disclosure for health topics and, last, what would change the advice."""
        lines = [first] if first else []
        lines.extend(body)
        if topic.name in self._c.health_topics:
            lines.append(self._c.disclosure)
        if topic.watch:
            lines.append(topic.watch)
        return lines

    def _candidates(self) -> list[tuple[str, list[str]]]:
        """Every reply the content can produce, as (where, lines): rules, then each topic's wordings."""
        c = self._c
        candidates: list[tuple[str, list[str]]] = [("empty", list(c.empty_lines))]
        candidates += [(f"rule {rule.id}", list(self.red_flag_lines(rule))) for rule in c.rules]
        for topic in c.topics.values():
            candidates += [(f"topic {topic.name}", lines) for lines in self._wordings(topic)]
        return candidates

    def _wordings(self, topic: Topic) -> list[list[str]]:
        """Each first line (phase or session line) with each body (the lines or a variant's)."""
        first_lines = list(topic.phases.values()) or [topic.session_line or ""]
        bodies = [topic.lines, *(v.lines for v in topic.variants.values())]
        return [
            self.topic_lines(topic, body, first) for first, body in itertools.product(first_lines, bodies)
        ]

    def validate(self) -> None:
        """Render every reply once with sample values: limits and line counts are checked at start-up."""
        for rule in self._c.rules:  # each rule's own reasons fill in
            self.red_flag(rule)
        sample = {"ago": self.ago(30), "why": "x", "call_911_if": "y", **self._c.language.pronouns["they"]}
        for person in self._c.language.pronouns:
            for rule in self._c.rules:
                self._check(f"rule {rule.id} ({person})", self.red_flag(rule, person))
        for where, lines in self._candidates():
            self._check(where, self.render(lines, sample))

    def _check(self, where: str, reply: str) -> None:
        count = len([line for line in reply.split("\n") if line.strip()])
        if not MIN_REPLY_LINES <= count <= MAX_REPLY_LINES:
            raise ContentError(
                f"bot/content/{ANSWERS_FILE}: {where} renders {count} lines "
                f"(must be {MIN_REPLY_LINES}-{MAX_REPLY_LINES})"
            )
        if len(reply) > MAX_REPLY_CHARS:
            raise ContentError(
                f"bot/content/{ANSWERS_FILE}: {where} is longer than {MAX_REPLY_CHARS} characters"
            )
