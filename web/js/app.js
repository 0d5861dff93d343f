// Entry point for every page: picks the page module by <body data-page>.
// Static imports, so everything is wired before the page's load event.
import { applyI18n } from './i18n.js';
import { initLanding } from './landing.js';
import { initMeeting } from './meeting.js';

applyI18n(document);

const page = document.body.dataset.page;
if (page === 'landing') initLanding();
else if (page === 'room') initMeeting();
document.documentElement.dataset.ready = '1';
