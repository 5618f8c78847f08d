//! Lessons: schema, loader and checks (filled by the lessons issue).
