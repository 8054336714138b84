# English dates as the registry's pages and our patients write them,
# "15 October 2025"; other languages keep Django's own formats
# (Chinese: "2025年10月15日").
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
SHORT_DATE_FORMAT = "j M Y"
