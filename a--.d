-: reports/reports.h core/core.h
core/core.h:
