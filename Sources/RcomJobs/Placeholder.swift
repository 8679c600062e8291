import RcomCore
