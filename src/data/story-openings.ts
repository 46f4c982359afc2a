// Story openings for stories260K (children's-story register): neutral ones to steer, and ones
// whose unsteered continuations define the model's vocabulary of normal text (src/eval/vocab-fluency.ts).
// Neither set is about dogs, the concept of examples/stories260K/dog.jsonl.

export const NEUTRAL_OPENINGS: readonly string[] = ['Once upon a time,', 'One day, a little girl', 'Tom went to the park and', 'The sun was shining.', 'Lily and her mom', 'Once upon a time, there was a', 'Max was a little boy who', 'It was a cold day.'];

export const VOCAB_OPENINGS: readonly string[] = ['Once upon a time, there was a little boy', 'One day, the kids', 'Her friend said,', 'The girl was', 'They went to the', 'After lunch,', 'The old man', 'It was raining.', 'Sam and his friends', 'She looked at the', 'He was very', 'The next day,', 'At school,', 'They played', 'Once upon a time,', 'One day,', 'There was a', 'Lily', 'Tom', 'Mom said,', 'It was a sunny day.', 'The little boy', 'In the park,', 'Sue had a', 'Max and Mia', 'The ball', 'The sky was', 'Ben was sad', 'Anna was happy', 'The tree', 'At night,'];
