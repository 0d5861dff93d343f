// All user-visible strings of the Ratsaal client. Two dictionaries with the same keys.
// The language follows navigator.language: de* → German, anything else → English.
// Placeholders: {name}, {n}, … are replaced by t(key, {name: …}).

const de = {
  'app.name': 'Ratsaal',
  'app.tagline': 'Sichere Videokonferenzen für Rat, Ausschuss und Verwaltung – auf Ihren eigenen Servern.',
  'app.skip': 'Zum Inhalt springen',
  'landing.start.heading': 'Besprechung starten',
  'landing.start.title_label': 'Titel der Besprechung (optional)',
  'landing.start.title_placeholder': 'z. B. Haupt- und Finanzausschuss',
  'landing.start.button': 'Besprechung starten',
  'landing.join.heading': 'Per Link oder Raumkennung teilnehmen',
  'landing.join.label': 'Einladungslink oder Raumkennung',
  'landing.join.placeholder': 'https://…/r/… oder Raumkennung',
  'landing.join.button': 'Teilnehmen',
  'landing.join.invalid': 'Das ist kein gültiger Ratsaal-Link und keine gültige Raumkennung. Erlaubt sind 1–64 Zeichen aus A–Z, a–z, 0–9, - und _.',
  'landing.join.empty': 'Bitte geben Sie einen Link oder eine Raumkennung ein.',
  'landing.footer': 'Ratsaal läuft vollständig in Ihrem Rechenzentrum. Es werden keine Daten an Dritte übertragen.',
  'landing.privacy': 'Ende-zu-Server verschlüsselt (DTLS-SRTP), Chat wird nicht gespeichert.',

  'prejoin.heading': 'Bereit zur Teilnahme?',
  'prejoin.room': 'Raum {room}',
  'prejoin.name_label': 'Ihr Anzeigename',
  'prejoin.name_placeholder': 'Vor- und Nachname',
  'prejoin.name_hint': 'So sehen Sie die anderen Teilnehmenden.',
  'prejoin.name_empty': 'Bitte geben Sie einen Namen ein.',
  'prejoin.name_too_long': 'Der Name darf höchstens 64 Zeichen lang sein.',
  'prejoin.name_invalid': 'Der Name enthält unzulässige Zeichen.',
  'prejoin.camera': 'Kamera',
  'prejoin.microphone': 'Mikrofon',
  'prejoin.speaker': 'Lautsprecher',
  'prejoin.join_cam_off': 'Mit ausgeschalteter Kamera teilnehmen',
  'prejoin.join_mic_off': 'Mit ausgeschaltetem Mikrofon teilnehmen',
  'prejoin.join': 'Teilnehmen',
  'prejoin.joining': 'Verbinde …',
  'prejoin.preview_off': 'Kamera aus',
  'prejoin.preview_loading': 'Kamera wird gestartet …',
  'prejoin.media_denied': 'Der Zugriff auf Kamera und Mikrofon wurde verweigert. Sie können trotzdem teilnehmen; erlauben Sie den Zugriff in den Browser-Einstellungen, um gesehen und gehört zu werden.',
  'prejoin.camera_denied': 'Der Zugriff auf die Kamera wurde verweigert.',
  'prejoin.mic_denied': 'Der Zugriff auf das Mikrofon wurde verweigert.',
  'prejoin.no_devices': 'Es wurden keine Kamera und kein Mikrofon gefunden. Sie können trotzdem teilnehmen.',
  'prejoin.no_camera': 'Es wurde keine Kamera gefunden.',
  'prejoin.no_microphone': 'Es wurde kein Mikrofon gefunden.',
  'prejoin.media_error': 'Kamera oder Mikrofon konnten nicht gestartet werden ({detail}).',
  'prejoin.media_unsupported': 'Dieser Browser erlaubt hier keinen Zugriff auf Kamera und Mikrofon (sichere Verbindung nötig).',
  'prejoin.default_device': 'Standardgerät',
  'prejoin.device_n': 'Gerät {n}',
  'prejoin.mic_level': 'Mikrofonpegel',

  'meeting.title_default': 'Besprechung',
  'meeting.stage': 'Teilnehmende',
  'meeting.you': 'Sie',
  'meeting.you_suffix': '(Sie)',
  'meeting.copy_link': 'Link kopieren',
  'meeting.link_copied': 'Einladungslink kopiert.',
  'meeting.link_copy_failed': 'Link konnte nicht kopiert werden: {link}',
  'meeting.screen_of': 'Bildschirm von {name}',
  'meeting.media_unavailable': 'Dieser Server überträgt noch kein Audio und Video. Chat und Handzeichen funktionieren.',
  'meeting.participant_count': '{n} Teilnehmende',

  'conn.connecting': 'Verbinde …',
  'conn.connected': 'Verbunden',
  'conn.reconnecting': 'Verbindung unterbrochen – neuer Versuch in {s} s',
  'conn.reconnecting_now': 'Verbindung wird wiederhergestellt …',
  'conn.offline': 'Getrennt',
  'conn.restored': 'Verbindung wiederhergestellt.',
  'conn.label': 'Verbindungsstatus',

  'controls.label': 'Besprechungssteuerung',
  'controls.mic_on': 'Mikrofon ausschalten',
  'controls.mic_off': 'Mikrofon einschalten',
  'controls.mic': 'Mikrofon',
  'controls.cam_on': 'Kamera ausschalten',
  'controls.cam_off': 'Kamera einschalten',
  'controls.cam': 'Kamera',
  'controls.screen': 'Bildschirm',
  'controls.screen_start': 'Bildschirm freigeben',
  'controls.screen_stop': 'Freigabe beenden',
  'controls.hand_raise': 'Hand heben',
  'controls.hand_lower': 'Hand senken',
  'controls.hand': 'Hand',
  'controls.chat': 'Chat',
  'controls.chat_open': 'Chat öffnen',
  'controls.participants': 'Teilnehmende',
  'controls.participants_open': 'Teilnehmendenliste öffnen',
  'controls.leave': 'Verlassen',
  'controls.leave_label': 'Besprechung verlassen',
  'controls.unavailable': 'Auf diesem Server nicht verfügbar',
  'controls.no_device': 'Kein Gerät verfügbar',
  'controls.unread': '{n} ungelesene Nachrichten',

  'chat.heading': 'Chat',
  'chat.close': 'Chat schließen',
  'chat.empty': 'Noch keine Nachrichten. Nachrichten sind nur während der Besprechung sichtbar und werden nicht gespeichert.',
  'chat.input_label': 'Nachricht an alle',
  'chat.input_placeholder': 'Nachricht an alle …',
  'chat.send': 'Senden',
  'chat.hint': 'Enter sendet, Umschalt+Enter für neue Zeile.',
  'chat.chars_left': 'Noch {n} Zeichen',
  'chat.messages_label': 'Chatnachrichten',

  'participants.heading': 'Teilnehmende',
  'participants.close': 'Teilnehmendenliste schließen',
  'participants.hands': 'Wortmeldungen',
  'participants.no_hands': 'Keine Wortmeldungen.',
  'participants.all': 'Alle Teilnehmenden ({n})',
  'participants.hand_raised': 'Hand gehoben',
  'participants.hand_position': 'Wortmeldung Nr. {n}',
  'participants.mic_muted': 'Mikrofon aus',
  'participants.cam_off': 'Kamera aus',
  'role.moderator': 'Moderation',
  'role.participant': 'Teilnehmer/in',
  'role.guest': 'Gast',

  'tile.hand_raised': 'Hand gehoben',
  'tile.muted': 'Stummgeschaltet',
  'tile.speaking': 'Spricht gerade',

  'left.heading': 'Sie haben die Besprechung verlassen.',
  'left.rejoin': 'Erneut teilnehmen',
  'left.home': 'Zur Startseite',
  'shutdown.heading': 'Die Besprechung wurde beendet.',
  'shutdown.text': 'Der Server wird heruntergefahren oder neu gestartet. Sie können es in einigen Augenblicken erneut versuchen.',
  'kicked.heading': 'Die Verbindung wurde getrennt.',

  'toast.close': 'Hinweis schließen',
  'toast.joined': '{name} ist beigetreten.',
  'toast.left': '{name} hat die Besprechung verlassen.',
  'toast.hand': '{name} hat die Hand gehoben.',
  'toast.error': 'Fehler',
  'toast.join_failed': 'Beitritt fehlgeschlagen: {text}',
  'toast.timeout': 'Der Server antwortet nicht.',

  'error.invalid_json': 'Der Server konnte die Nachricht nicht lesen.',
  'error.not_object': 'Der Server konnte die Nachricht nicht lesen.',
  'error.binary_frame': 'Ungültiges Nachrichtenformat.',
  'error.frame_too_large': 'Die Nachricht ist zu groß.',
  'error.too_deep': 'Die Nachricht ist zu tief verschachtelt.',
  'error.missing_field': 'Ein Pflichtfeld fehlt.',
  'error.invalid_type': 'Ein Feld hat den falschen Typ.',
  'error.unknown_ns': 'Diese Funktion kennt der Server nicht.',
  'error.unknown_action': 'Diese Aktion kennt der Server nicht.',
  'error.empty_value': 'Das Feld darf nicht leer sein.',
  'error.too_long': 'Der Text ist zu lang.',
  'error.invalid_value': 'Der Wert enthält unzulässige Zeichen.',
  'error.invalid_room': 'Diese Raumkennung ist ungültig.',
  'error.not_joined': 'Sie sind keinem Raum beigetreten.',
  'error.already_joined': 'Sie sind bereits im Raum.',
  'error.room_full': 'Der Raum ist voll. Bitte versuchen Sie es später erneut.',
  'error.rate_limited': 'Zu viele Nachrichten in kurzer Zeit. Bitte etwas langsamer.',
  'error.internal': 'Interner Serverfehler. Bitte später erneut versuchen.',
  'error.invalid_sdp': 'Die Medienverbindung konnte nicht ausgehandelt werden.',
  'error.stale_revision': 'Veraltete Medienaushandlung, wird wiederholt.',
  'error.dtls_failed': 'Die verschlüsselte Medienverbindung ist fehlgeschlagen.',
  'error.ice_timeout': 'Die Medienverbindung ist abgerissen.',
  'error.screen_denied': 'Die Bildschirmfreigabe wurde abgebrochen oder verweigert.',
  'error.device_failed': 'Das Gerät konnte nicht gestartet werden.',
  'error.unknown': 'Unbekannter Fehler.',
};

const en = {
  'app.name': 'Ratsaal',
  'app.tagline': 'Secure video meetings for councils, committees and administration – on your own servers.',
  'app.skip': 'Skip to content',
  'landing.start.heading': 'Start a meeting',
  'landing.start.title_label': 'Meeting title (optional)',
  'landing.start.title_placeholder': 'e.g. Finance Committee',
  'landing.start.button': 'Start a meeting',
  'landing.join.heading': 'Join by link or room id',
  'landing.join.label': 'Invitation link or room id',
  'landing.join.placeholder': 'https://…/r/… or room id',
  'landing.join.button': 'Join',
  'landing.join.invalid': 'This is not a valid Ratsaal link or room id. Use 1–64 characters from A–Z, a–z, 0–9, - and _.',
  'landing.join.empty': 'Please enter a link or a room id.',
  'landing.footer': 'Ratsaal runs entirely in your own data centre. No data is sent to third parties.',
  'landing.privacy': 'Encrypted to the server (DTLS-SRTP); chat is never stored.',

  'prejoin.heading': 'Ready to join?',
  'prejoin.room': 'Room {room}',
  'prejoin.name_label': 'Your display name',
  'prejoin.name_placeholder': 'First and last name',
  'prejoin.name_hint': 'This is how others will see you.',
  'prejoin.name_empty': 'Please enter a name.',
  'prejoin.name_too_long': 'The name can be at most 64 characters long.',
  'prejoin.name_invalid': 'The name contains characters that are not allowed.',
  'prejoin.camera': 'Camera',
  'prejoin.microphone': 'Microphone',
  'prejoin.speaker': 'Speaker',
  'prejoin.join_cam_off': 'Join with camera off',
  'prejoin.join_mic_off': 'Join with microphone off',
  'prejoin.join': 'Join',
  'prejoin.joining': 'Connecting …',
  'prejoin.preview_off': 'Camera off',
  'prejoin.preview_loading': 'Starting camera …',
  'prejoin.media_denied': 'Access to camera and microphone was denied. You can still join; allow access in your browser settings to be seen and heard.',
  'prejoin.camera_denied': 'Access to the camera was denied.',
  'prejoin.mic_denied': 'Access to the microphone was denied.',
  'prejoin.no_devices': 'No camera and no microphone were found. You can still join.',
  'prejoin.no_camera': 'No camera was found.',
  'prejoin.no_microphone': 'No microphone was found.',
  'prejoin.media_error': 'Camera or microphone could not be started ({detail}).',
  'prejoin.media_unsupported': 'This browser does not allow camera and microphone access here (a secure connection is required).',
  'prejoin.default_device': 'Default device',
  'prejoin.device_n': 'Device {n}',
  'prejoin.mic_level': 'Microphone level',

  'meeting.title_default': 'Meeting',
  'meeting.stage': 'Participants',
  'meeting.you': 'You',
  'meeting.you_suffix': '(you)',
  'meeting.copy_link': 'Copy link',
  'meeting.link_copied': 'Invitation link copied.',
  'meeting.link_copy_failed': 'Could not copy the link: {link}',
  'meeting.screen_of': 'Screen of {name}',
  'meeting.media_unavailable': 'This server does not carry audio and video yet. Chat and raised hands work.',
  'meeting.participant_count': '{n} participants',

  'conn.connecting': 'Connecting …',
  'conn.connected': 'Connected',
  'conn.reconnecting': 'Connection lost – retrying in {s} s',
  'conn.reconnecting_now': 'Reconnecting …',
  'conn.offline': 'Disconnected',
  'conn.restored': 'Connection restored.',
  'conn.label': 'Connection state',

  'controls.label': 'Meeting controls',
  'controls.mic_on': 'Turn microphone off',
  'controls.mic_off': 'Turn microphone on',
  'controls.mic': 'Microphone',
  'controls.cam_on': 'Turn camera off',
  'controls.cam_off': 'Turn camera on',
  'controls.cam': 'Camera',
  'controls.screen': 'Screen',
  'controls.screen_start': 'Share screen',
  'controls.screen_stop': 'Stop sharing',
  'controls.hand_raise': 'Raise hand',
  'controls.hand_lower': 'Lower hand',
  'controls.hand': 'Hand',
  'controls.chat': 'Chat',
  'controls.chat_open': 'Open chat',
  'controls.participants': 'Participants',
  'controls.participants_open': 'Open participant list',
  'controls.leave': 'Leave',
  'controls.leave_label': 'Leave the meeting',
  'controls.unavailable': 'Not available on this server',
  'controls.no_device': 'No device available',
  'controls.unread': '{n} unread messages',

  'chat.heading': 'Chat',
  'chat.close': 'Close chat',
  'chat.empty': 'No messages yet. Messages are only visible during the meeting and are never stored.',
  'chat.input_label': 'Message to everyone',
  'chat.input_placeholder': 'Message to everyone …',
  'chat.send': 'Send',
  'chat.hint': 'Enter sends, Shift+Enter for a new line.',
  'chat.chars_left': '{n} characters left',
  'chat.messages_label': 'Chat messages',

  'participants.heading': 'Participants',
  'participants.close': 'Close participant list',
  'participants.hands': 'Raised hands',
  'participants.no_hands': 'No raised hands.',
  'participants.all': 'Everyone ({n})',
  'participants.hand_raised': 'Hand raised',
  'participants.hand_position': 'Raised hand no. {n}',
  'participants.mic_muted': 'Microphone off',
  'participants.cam_off': 'Camera off',
  'role.moderator': 'Moderator',
  'role.participant': 'Participant',
  'role.guest': 'Guest',

  'tile.hand_raised': 'Hand raised',
  'tile.muted': 'Muted',
  'tile.speaking': 'Speaking',

  'left.heading': 'You left the meeting.',
  'left.rejoin': 'Rejoin',
  'left.home': 'Back to start page',
  'shutdown.heading': 'The meeting has ended.',
  'shutdown.text': 'The server is shutting down or restarting. You can try again in a few moments.',
  'kicked.heading': 'You were disconnected.',

  'toast.close': 'Dismiss notification',
  'toast.joined': '{name} joined.',
  'toast.left': '{name} left the meeting.',
  'toast.hand': '{name} raised their hand.',
  'toast.error': 'Error',
  'toast.join_failed': 'Could not join: {text}',
  'toast.timeout': 'The server does not respond.',

  'error.invalid_json': 'The server could not read the message.',
  'error.not_object': 'The server could not read the message.',
  'error.binary_frame': 'Invalid message format.',
  'error.frame_too_large': 'The message is too large.',
  'error.too_deep': 'The message is nested too deeply.',
  'error.missing_field': 'A required field is missing.',
  'error.invalid_type': 'A field has the wrong type.',
  'error.unknown_ns': 'The server does not know this feature.',
  'error.unknown_action': 'The server does not know this action.',
  'error.empty_value': 'The field must not be empty.',
  'error.too_long': 'The text is too long.',
  'error.invalid_value': 'The value contains characters that are not allowed.',
  'error.invalid_room': 'This room id is not valid.',
  'error.not_joined': 'You have not joined a room.',
  'error.already_joined': 'You are already in the room.',
  'error.room_full': 'The room is full. Please try again later.',
  'error.rate_limited': 'Too many messages in a short time. Please slow down.',
  'error.internal': 'Internal server error. Please try again later.',
  'error.invalid_sdp': 'The media connection could not be negotiated.',
  'error.stale_revision': 'Outdated media negotiation, retrying.',
  'error.dtls_failed': 'The encrypted media connection failed.',
  'error.ice_timeout': 'The media connection was lost.',
  'error.screen_denied': 'Screen sharing was cancelled or denied.',
  'error.device_failed': 'The device could not be started.',
  'error.unknown': 'Unknown error.',
};

export const dictionaries = { de, en };

export function pickLanguage(langs) {
  const list = langs && langs.length ? langs : [typeof navigator !== 'undefined' ? navigator.language : 'en'];
  const first = String(list[0] || 'en').toLowerCase();
  return first.startsWith('de') ? 'de' : 'en';
}

export const lang = pickLanguage(typeof navigator !== 'undefined' ? [navigator.language] : []);
const dict = dictionaries[lang];

export function t(key, params) {
  let s = Object.prototype.hasOwnProperty.call(dict, key) ? dict[key] : en[key];
  if (s === undefined) {
    console.warn('i18n: missing key', key);
    s = key;
  }
  if (params) {
    s = s.replace(/\{(\w+)\}/g, (m, k) => (params[k] !== undefined ? String(params[k]) : m));
  }
  return s;
}

export function has(key) {
  return Object.prototype.hasOwnProperty.call(dict, key);
}

/** Localized text for a server error: our translation for the code, else the server's text. */
export function errorText(code, serverText) {
  // "internal" says little by itself: keep the server's own words as detail
  if (code === 'internal' && serverText) return `${t('error.internal')} (${serverText})`;
  if (code && has('error.' + code)) return t('error.' + code);
  return serverText || t('error.unknown');
}

/** Fill every [data-i18n], [data-i18n-aria-label], [data-i18n-placeholder], [data-i18n-title] under root. */
export function applyI18n(root = document) {
  if (root === document) {
    document.documentElement.lang = lang;
  }
  for (const el of root.querySelectorAll('[data-i18n]')) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll('[data-i18n-aria-label]')) el.setAttribute('aria-label', t(el.dataset.i18nAriaLabel));
  for (const el of root.querySelectorAll('[data-i18n-placeholder]')) el.setAttribute('placeholder', t(el.dataset.i18nPlaceholder));
  for (const el of root.querySelectorAll('[data-i18n-title]')) el.setAttribute('title', t(el.dataset.i18nTitle));
}
