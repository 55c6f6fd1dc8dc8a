import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { EditorView } from '@codemirror/view';
import { useState } from 'react';
import { afterEach, describe, expect, it } from 'vitest';
import { ApiError } from '../../api/client';
import RecipeDefinitionForm from './RecipeDefinitionForm';

const broken = { name: 'orders', trigger: { type: 'webhook' }, steps: [{ id: 'shape', set: { total: 1 } }] };
// valid by the recipe schema: what is underlined comes from the server's answer alone

/** A page's part: the submitted definition answered with the server's 422 at a pointer, as the API does. */
function Page({ errors }: { errors: { path: string; message: string }[] }) {
  const [error, setError] = useState<unknown>(null);
  const [sent, setSent] = useState<unknown[]>([]);
  return (
    <>
      <RecipeDefinitionForm
        definition={broken}
        editable
        submitLabel="Save"
        pending={false}
        error={error}
        onSubmit={(definition) => {
          setSent([...sent, definition]);
          setError(new ApiError(422, 'Unprocessable Entity', 'the definition is not valid', errors));
        }}
      />
      <output aria-label="sent">{JSON.stringify(sent)}</output>
    </>
  );
}

/** What the editor underlines, by text. */
const underlined = () => [...document.querySelectorAll('.cm-lintRange-error')].map((e) => e.textContent);
const editorText = () => document.querySelector('.cm-content')?.textContent ?? '';

/** Replaces the editor's text as typing would (a transaction of the user's input). */
function type(text: string) {
  const view = EditorView.findFromDOM(document.querySelector('.cm-editor') as HTMLElement);
  if (!view) throw new Error('no editor on the page');
  act(() => view.dispatch({ changes: { from: 0, to: view.state.doc.length, insert: text }, userEvent: 'input.type' }));
}

afterEach(cleanup);

describe("the definition editor and the server's 422 errors", () => {
  it('lists each error at its path and underlines the value the pointer names in the JSON text', async () => {
    render(<Page errors={[{ path: '/trigger/type', message: 'is not a trigger of this workspace' }]} />);
    await waitFor(() => expect(editorText()).toContain('"webhook"'));
    expect(underlined()).toEqual([]);
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect(JSON.parse(screen.getByLabelText('sent').textContent ?? '[]')).toEqual([broken]);
    const list = await screen.findByRole('list', { name: 'Errors in the definition' });
    expect(list.textContent).toBe('/trigger/type is not a trigger of this workspace');
    await waitFor(() => expect(underlined()).toEqual(['"webhook"']));
  });

  it('keeps the marks at the same path when the text is shown as YAML, and drops them once the text changes', async () => {
    render(<Page errors={[{ path: '/steps/0/set/total', message: 'must be a string' }]} />);
    await waitFor(() => expect(editorText()).toContain('"total"'));
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    await waitFor(() => expect(underlined()).toContain('1'), { onTimeout: (e) => new Error(`${e.message} ${JSON.stringify(underlined())}`) });

    fireEvent.click(screen.getByRole('radio', { name: 'YAML' }));
    await waitFor(() => expect(editorText()).toContain('total: 1'));
    expect(screen.getByText('Definition (YAML)')).toBeTruthy();
    await waitFor(() => expect(underlined()).toContain('1'));
    // the list stays: it is the answer to what was sent
    expect(screen.getByRole('list', { name: 'Errors in the definition' }).textContent).toBe('/steps/0/set/total must be a string');

    // a different definition typed: the marks belonged to the one sent, so they go
    type(editorText().replace('total: 1', 'total: "1"'));
    await waitFor(() => expect(underlined()).toEqual([]));
  });

  it('refuses to send text that does not parse, saying why, and the schema errors show while typing', async () => {
    render(<Page errors={[]} />);
    await waitFor(() => expect(editorText()).toContain('"total"'));
    type('{ "name": "orders", ');
    fireEvent.click(screen.getByRole('button', { name: 'Save' }));
    expect((await screen.findByRole('alert')).textContent).toMatch(/^Not valid JSON: /);
    expect(JSON.parse(screen.getByLabelText('sent').textContent ?? '[]')).toEqual([]);

    // the recipe schema, before any save: an unknown trigger type is underlined where it is
    type(JSON.stringify({ name: 'orders', trigger: { type: 'webhok' }, steps: [] }, null, 2));
    await waitFor(() => expect(underlined()).toContain('"webhok"'), { timeout: 5000 });
  });
});
