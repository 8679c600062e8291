// replaced by the rcom max implementation
