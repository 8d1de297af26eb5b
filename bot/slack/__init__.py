"""The Slack app: bolt listeners (app, commands, threads), the daily post, Block Kit renderers."""
