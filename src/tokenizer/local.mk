# tokenizer module build fragment
