import type { ReactNode } from 'react';

/** What a page gives the definition editor. */
export interface DefinitionFormProps {
  /** The definition to edit; a new one (a newer version from the server) replaces what is typed unless the text says the same. */
  definition: unknown;
  editable: boolean;
  submitLabel: string;
  pending: boolean;
  /** The last submit's failure: a 422's errors are listed and underlined at their JSON pointers. */
  error: unknown;
  onSubmit: (definition: unknown) => void;
  /** What the last submit did, in words. */
  done?: ReactNode;
}
