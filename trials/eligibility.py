def parse_criteria(text: str):
    raise NotImplementedError
