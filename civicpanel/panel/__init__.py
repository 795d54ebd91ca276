"""The council's panel settings: profile questions and their options, population figures,
consent versions and recruitment campaigns, with their staff settings pages."""
