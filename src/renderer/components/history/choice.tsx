import { useRef } from 'preact/hooks';

let groups = 0;

/**
 * A row of mutually exclusive choices (radio buttons drawn as a segmented
 * control): Tab enters the group at the chosen one, arrow keys move, as every
 * radio group does.
 */
export function Choice<T extends string>({
  label,
  options,
  value,
  onChange,
  testId,
}: {
  label: string;
  options: readonly { value: T; label: string }[];
  value: T;
  onChange: (value: T) => void;
  testId?: string;
}) {
  const name = useRef(`choice-${++groups}`).current;
  return (
    <fieldset class="choice" data-testid={testId}>
      <legend class="visually-hidden">{label}</legend>
      {options.map((o) => (
        <label key={o.value} class={o.value === value ? 'choice-option checked' : 'choice-option'}>
          <input type="radio" name={name} value={o.value} checked={o.value === value} onChange={() => onChange(o.value)} />
          <span>{o.label}</span>
        </label>
      ))}
    </fieldset>
  );
}
