import './styles.css';
import { initAlerts } from './alerts.js';
import { initChoice } from './choice.js';
import { byId } from './dom.js';
import { initHistory } from './history.js';
import { initHome } from './home.js';
import { initLive } from './live.js';
import { initModeToggle } from './mode.js';
import { initModelView } from './model-view.js';

type Route = 'home' | 'history' | 'live' | 'model';
const ROUTES: Record<string, Route> = {
  '': 'home',
  '#/': 'home',
  '#/history': 'history',
  '#/live': 'live',
  '#/model': 'model',
};
const TITLES: Record<Route, string> = { home: 'Record', history: 'History', live: 'Live', model: 'Model' };

initAlerts();
initChoice();
initModeToggle();
initHome();
const history = initHistory();
const live = initLive();
const model = initModelView();

/** Hash routes: one view visible at a time; the nav marks the current page. */
function route(): void {
  const current = ROUTES[location.hash] ?? 'home';
  for (const name of Object.keys(TITLES) as Route[]) byId(`view-${name}`).hidden = name !== current;
  document.querySelectorAll<HTMLAnchorElement>('nav a[data-route]').forEach((a) => {
    if (a.dataset.route === current) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  });
  document.title = `Emovox: ${TITLES[current]}`;
  if (current !== 'live') live.hide();
  if (current === 'history') void history.show();
  if (current === 'model') void model.show();
}

window.addEventListener('hashchange', () => {
  route();
  byId('main').focus();
});
route();
