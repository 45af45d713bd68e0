// What the action forms share: checking a form, an optional note, a rule that a field is filled.
import type { FormInstance, FormItemRule } from 'element-plus'
import { i18n } from '../../../i18n'

/** Whether every rule of the form holds (each field shows its own message when not). */
export async function isValid(form: FormInstance | undefined): Promise<boolean> {
  return (await form?.validate().catch(() => false)) ?? false
}

/** The `note` of a body, when one was written. */
export function noteOf(text: string): { note?: string } {
  return text.trim() ? { note: text.trim() } : {}
}

/** The field (named by its message key) must be filled in. */
export function required(label: string): FormItemRule[] {
  const { t } = i18n.global
  return [{ required: true, message: t('dispatcher.form.required', { field: t(label) }) }]
}
