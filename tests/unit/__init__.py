"""Unit tests: plain domain functions called directly, without Telegram or the Application."""
