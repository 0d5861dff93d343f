// SPDX-License-Identifier: EUPL-1.2
// Strings of the attendance list links in "My meetings" (../meetings.js), merged into both
// dictionaries by ../i18n.js. Same keys in both languages.
export const de = {
  'attendance.page': 'Anwesenheitsliste',
  'attendance.page_label': 'Anwesenheitsliste von „{title}“ (druckbare Seite, neues Fenster)',
  'attendance.csv': 'Anwesenheit als CSV',
  'attendance.csv_label': 'Anwesenheit als CSV: „{title}“ (Datei herunterladen)',
};

export const en = {
  'attendance.page': 'Attendance list',
  'attendance.page_label': 'Attendance list of “{title}” (printable page, new window)',
  'attendance.csv': 'Attendance as CSV',
  'attendance.csv_label': 'Attendance as CSV: “{title}” (download a file)',
};
