"""Rules governance: finding rules, showing what a draft changes in values, and checking rules as they are saved."""
