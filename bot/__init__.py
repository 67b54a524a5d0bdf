"""ProCare Telegram assistant: enrollment, aftercare, answers and reminders for clinic patients."""

__version__ = "0.1.0"
