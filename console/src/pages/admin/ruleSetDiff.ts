// The difference between two versions of a rule set, rule by rule (a rule is known by its id).
export interface DiffedRule {
  id: string
  priority: number
  description: string
}

export interface RuleSetDiff<R extends DiffedRule> {
  added: R[]
  removed: R[]
  changed: { before: R; after: R }[]
}

/** Rules only in `after`, only in `before`, and in both but not the same. */
export function diffRuleSets<R extends DiffedRule>(before: readonly R[], after: readonly R[]): RuleSetDiff<R> {
  const old = new Map(before.map((rule) => [rule.id, rule]))
  const now = new Map(after.map((rule) => [rule.id, rule]))
  return {
    added: after.filter((rule) => !old.has(rule.id)),
    removed: before.filter((rule) => !now.has(rule.id)),
    changed: after.flatMap((rule) => {
      const was = old.get(rule.id)
      return was && canonical(was) !== canonical(rule) ? [{ before: was, after: rule }] : []
    }),
  }
}

/** JSON with the keys of every object sorted, so that equal rules read equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_, inner: unknown) =>
    inner && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(Object.entries(inner).sort(([a], [b]) => a.localeCompare(b)))
      : inner,
  )
}

export interface RuleProblem {
  location: string
  reason: string
  index?: number | null
}

/** The problems of a refused upload grouped by rule index (null: the rule set as a whole). */
export function problemsByRule(problems: readonly RuleProblem[]): Map<number | null, RuleProblem[]> {
  const grouped = new Map<number | null, RuleProblem[]>()
  for (const problem of problems) {
    const found = /^(?:body\.)?rules\[(\d+)\]/.exec(problem.location)
    const index = problem.index ?? (found ? Number(found[1]) : null)
    grouped.set(index, [...(grouped.get(index) ?? []), problem])
  }
  return grouped
}
