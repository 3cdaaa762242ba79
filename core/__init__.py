"""Foundation of invgov: settings, database engine, canonical schema and time helpers."""
