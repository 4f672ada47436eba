import { SYSTEM_PROMPT_MAX_CHARS } from '#server/domain/chat/limits.ts'
import { TextareaField } from '../forms.tsx'

/** A chat's system prompt, as the new-chat form and a chat's settings both ask for it. */
export function SystemPromptField({
	label,
	defaultValue,
	description,
	className,
}: {
	label: string
	defaultValue: string
	description?: string
	className?: string
}) {
	return (
		<TextareaField
			name="systemPrompt"
			label={label}
			rows={3}
			maxLength={SYSTEM_PROMPT_MAX_CHARS}
			defaultValue={defaultValue}
			{...(description ? { description } : {})}
			{...(className ? { className } : {})}
		/>
	)
}
