"""In-app notifications (reminders, findings opened to an institution, job failures) and e-mail."""
