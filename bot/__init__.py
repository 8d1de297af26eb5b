"""Chat adapters (Slack, Discord, console) and the scheduler; they translate, the engine decides."""
