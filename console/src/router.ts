// Client routes under /console/. Pages are loaded when first visited, so the login page does not
// carry the map library.
import { createRouter, createWebHistory } from 'vue-router'
import { homeOf, safeNext } from './lib/home'
import { useSession } from './stores/session'

export const router = createRouter({
  history: createWebHistory('/console/'),
  routes: [
    { path: '/login', name: 'login', component: () => import('./pages/LoginPage.vue') },
    {
      path: '/inspector',
      component: () => import('./pages/InspectorPage.vue'),
      meta: { role: 'inspector' },
      children: [
        {
          path: '',
          name: 'inspector',
          component: () => import('./pages/inspector/FileCaseView.vue'),
        },
        {
          path: 'mine',
          name: 'inspector-mine',
          component: () => import('./pages/inspector/CaseListView.vue'),
          props: { queue: 'mine' },
        },
        {
          path: 'verify',
          name: 'inspector-verify',
          component: () => import('./pages/inspector/CaseListView.vue'),
          props: { queue: 'verify' },
        },
        {
          path: 'cases/:caseId(\\d+)',
          name: 'inspector-case',
          component: () => import('./pages/inspector/CaseDetailView.vue'),
          props: (route) => ({ caseId: Number(route.params.caseId) }),
        },
      ],
    },
    {
      path: '/dispatcher',
      name: 'dispatcher',
      component: () => import('./pages/DispatcherPage.vue'),
      meta: { role: 'dispatcher' },
    },
    {
      path: '/dispatcher/cases/:caseId(\\d+)',
      name: 'dispatcher-case',
      component: () => import('./pages/CasePage.vue'),
      props: (route) => ({ caseId: Number(route.params.caseId) }),
      meta: { role: 'dispatcher' },
    },
    {
      path: '/auditor',
      component: () => import('./pages/AuditorPage.vue'),
      meta: { role: 'auditor' },
      children: [
        { path: '', name: 'auditor', component: () => import('./pages/auditor/DashboardView.vue') },
        { path: 'map', name: 'auditor-map', component: () => import('./pages/auditor/ChoroplethView.vue') },
        {
          path: 'scorecards',
          name: 'auditor-scorecards',
          component: () => import('./pages/auditor/ScorecardsView.vue'),
        },
        {
          path: 'evaluation',
          name: 'auditor-evaluation',
          component: () => import('./pages/auditor/EvaluationView.vue'),
        },
        { path: 'cases', name: 'auditor-cases', component: () => import('./pages/auditor/CountedCasesView.vue') },
      ],
    },
    {
      path: '/auditor/cases/:caseId(\\d+)',
      name: 'auditor-case',
      component: () => import('./pages/CasePage.vue'),
      props: (route) => ({ caseId: Number(route.params.caseId), workbench: 'auditor', caseRoute: 'auditor-case' }),
      meta: { role: 'auditor' },
    },
    {
      path: '/screen',
      name: 'screen',
      component: () => import('./pages/ScreenPage.vue'),
      meta: { role: 'auditor' },
    },
    {
      path: '/liaison',
      name: 'liaison',
      component: () => import('./pages/LiaisonPage.vue'),
      meta: { role: 'liaison' },
    },
    {
      path: '/liaison/cases/:caseId(\\d+)',
      name: 'liaison-case',
      component: () => import('./pages/CasePage.vue'),
      props: (route) => ({
        caseId: Number(route.params.caseId),
        workbench: 'liaison',
        caseRoute: 'liaison-case',
      }),
      meta: { role: 'liaison' },
    },
    {
      path: '/admin',
      name: 'admin',
      component: () => import('./pages/AdminPage.vue'),
      meta: { role: 'admin' },
    },
    {
      path: '/home',
      name: 'placeholder',
      component: () => import('./pages/PlaceholderPage.vue'),
    },
    { path: '/:rest(.*)*', name: 'start', component: { render: () => null } },
  ],
})

router.beforeEach(async (to) => {
  const session = useSession()
  if (to.name === 'login') return true
  const user = session.user ?? (await session.loadMe())
  if (!user) return { name: 'login', query: to.fullPath === '/' ? {} : { next: to.fullPath } }
  const home = homeOf(user.role)
  // A page of another role, or no page at all, leads to the user's own workbench.
  if (to.name === 'start' || (to.meta.role && to.meta.role !== user.role)) return { name: home }
  return true
})

/** After logging in: the page asked for before, or the role's workbench. */
export function afterLogin(next: unknown): string | { name: string } {
  const session = useSession()
  return safeNext(next) ?? { name: homeOf(session.user!.role) }
}
