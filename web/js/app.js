// SPDX-License-Identifier: EUPL-1.2
// Entry point for every page: picks the page module by <body data-page>.
// Static imports, so everything is wired before the page's load event.
import { applyI18n } from './i18n.js';
import { initFooter } from './footer.js';
import { initLanding } from './landing.js';
import { initMeeting } from './meeting.js';
import { initLogin } from './login.js';
import { initMeetings } from './meetings.js';

applyI18n(document);
initFooter();
// a language switch outside a meeting re-renders the page from the server (which reads the
// choice from the cookie); the meeting page switches in place (meeting.js)
if (document.body.dataset.page !== 'room') window.addEventListener('ratsaal:language', () => location.reload());

const page = document.body.dataset.page;
const ready = () => {
  document.documentElement.dataset.ready = '1';
};
if (page === 'landing') {
  initLanding();
  ready();
} else if (page === 'room') {
  initMeeting();
  ready();
} else {
  // login and meetings render after their first API answers; ready means "rendered"
  const init = page === 'login' ? initLogin : page === 'meetings' ? initMeetings : async () => {};
  init()
    .catch((e) => console.warn('page init failed', e))
    .finally(ready);
}
