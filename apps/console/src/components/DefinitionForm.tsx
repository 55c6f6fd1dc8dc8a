import { lazy, Suspense } from 'react';
import type { DefinitionFormProps } from './editor/definition-form-props';

// the editor (CodeMirror, YAML, the recipe schema) is the biggest part of the console: its own chunk, loaded on recipe pages
const RecipeDefinitionForm = lazy(() => import('./editor/RecipeDefinitionForm'));

/** A recipe definition in the editor (JSON or YAML); until the editor's chunk is loaded, the JSON read-only in its place. */
export function DefinitionForm(props: DefinitionFormProps) {
  return (
    <Suspense
      fallback={
        <div className="editor">
          <label id="definition-label">Definition (JSON)</label>
          <textarea rows={12} readOnly aria-busy="true" aria-labelledby="definition-label" value={JSON.stringify(props.definition, null, 2)} />
        </div>
      }
    >
      <RecipeDefinitionForm {...props} />
    </Suspense>
  );
}
