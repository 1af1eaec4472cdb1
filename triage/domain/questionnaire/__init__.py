"""The questionnaire: questions defined once in forms/, typed answers and derived facts."""
