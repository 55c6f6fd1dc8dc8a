import { useEffect, useRef, useState, type ReactNode } from 'react';

interface Props {
  /** The button that opens the question. */
  label: string;
  question: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
  disabled?: boolean;
  danger?: boolean;
}

/** A button whose action runs only after a modal question is answered (a native <dialog>: focus trap and Escape for free). */
export function ConfirmButton({ label, question, confirmLabel, onConfirm, disabled, danger }: Props) {
  const [open, setOpen] = useState(false);
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    if (open) dialog.current?.showModal();
    else dialog.current?.close();
  }, [open]);
  return (
    <>
      <button type="button" className={danger ? 'danger' : undefined} disabled={disabled} onClick={() => setOpen(true)}>
        {label}
      </button>
      <dialog ref={dialog} onClose={() => setOpen(false)} aria-label={label}>
        <p>{question}</p>
        <div className="row">
          <button type="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
          <button
            type="button"
            className={danger ? 'danger' : 'primary'}
            onClick={() => {
              setOpen(false);
              onConfirm();
            }}
          >
            {confirmLabel}
          </button>
        </div>
      </dialog>
    </>
  );
}
