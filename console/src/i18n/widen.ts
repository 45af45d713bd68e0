/** The shape of a message table with its strings widened: English must have every zh-CN key. */
export type Widen<T> = { [K in keyof T]: T[K] extends string ? string : Widen<T[K]> }
