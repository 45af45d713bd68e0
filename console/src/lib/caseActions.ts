// The buttons of a case: one for each action the API lists in `allowed_actions`, in its order,
// with the form that action's body needs. What may be done when is the service's business;
// here is only how each action looks and what it asks for.
import type { components } from '../api/schema'

export type Action = components['schemas']['Action']
/** Every action but filing, which makes a case rather than acting on one. */
export type CaseAction = Exclude<Action, 'file'>
export type PhotoStep = components['schemas']['PhotoStep']

/** The forms of the bodies: four of their own, the others made of simple fields. */
export type FormKind = 'register' | 'reject' | 'dispatch' | 'whistle' | 'fields'
export type Field =
  | 'note' // optional remark
  | 'reason' // required reason
  | 'result' // required handling result (处置结果)
  | 'until' // required new deadline
  | 'approvedUntil' // optional new deadline, the one asked for when empty
  | 'passed' // verification passed or failed
  | 'satisfaction' // evaluation
  | 'comment' // optional remark of an evaluation

export type ButtonType = 'primary' | 'success' | 'warning' | 'danger' | 'default'

export interface ActionSpec {
  type: ButtonType
  form: FormKind
  fields: readonly Field[]
  /** Photos of this step go with the action (uploaded first). */
  photos?: PhotoStep
}

export interface ActionButton extends ActionSpec {
  action: CaseAction
  /** The message key of its label. */
  label: string
}

const fields = (...names: Field[]): Pick<ActionSpec, 'form' | 'fields'> => ({
  form: 'fields',
  fields: names,
})

export const ACTION_SPECS: Readonly<Record<CaseAction, ActionSpec>> = {
  register: { type: 'primary', form: 'register', fields: ['note'] },
  reject: { type: 'danger', form: 'reject', fields: ['note'] },
  dispatch: { type: 'primary', form: 'dispatch', fields: ['note'] },
  whistle: { type: 'warning', form: 'whistle', fields: ['note'] },
  accept: { type: 'primary', ...fields('note') },
  return: { type: 'danger', ...fields('reason') },
  request_extension: { type: 'default', ...fields('until', 'reason') },
  approve_extension: { type: 'success', ...fields('approvedUntil', 'note') },
  deny_extension: { type: 'danger', ...fields('reason') },
  request_suspension: { type: 'default', ...fields('reason') },
  approve_suspension: { type: 'success', ...fields('note') },
  deny_suspension: { type: 'danger', ...fields('reason') },
  resume: { type: 'primary', ...fields('note') },
  report_handled: { type: 'primary', ...fields('result'), photos: 'after' },
  verify: { type: 'primary', ...fields('passed', 'note'), photos: 'verification' },
  close: { type: 'success', ...fields('note') },
  rework: { type: 'warning', ...fields('reason') },
  evaluate: { type: 'primary', ...fields('satisfaction', 'comment') },
  report_in: { type: 'primary', ...fields('note') },
}

function isCaseAction(action: Action): action is CaseAction {
  return Object.hasOwn(ACTION_SPECS, action)
}

/** The buttons for the actions the caller may take now, in the order the API gives them. */
export function actionButtons(allowed: readonly Action[]): ActionButton[] {
  return [...new Set(allowed)]
    .filter(isCaseAction)
    .map((action) => ({ action, label: `dispatcher.actions.${action}`, ...ACTION_SPECS[action] }))
}
