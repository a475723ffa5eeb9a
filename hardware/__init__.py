"""What touches or stands in for physical parts: GPIO devices, radio drivers, emulators."""
