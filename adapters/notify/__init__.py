"""Telegram notifications: the Bot API client and the notifier that feeds it from the store."""
